"""Benchmark: importing the county's 20,000 households from .xlsx, next to a plain openpyxl read of the file.

    .venv/bin/python -m bench.imports

Seeds the county registry into a fresh SQLite database, writes a roster of 20,000 new households for its
villages (fresh resident IDs), then times: openpyxl reading the file (the baseline), a dry run, the real
import (20,000 created), and re-importing the exported roster (40,000 unchanged: the county's and the new),
next to openpyxl reading that export.
"""
import io

from openpyxl import load_workbook
from sqlalchemy import select

from models import Township, User, Village, db
from bench.common import fresh_county, timed
from service.context import current_context
from service.domain.tables import write_xlsx
from service.domain.identity import id_check_char
from service.imports.runner import run_import


def main() -> None:
    with fresh_county() as app:
        villages = db.session.execute(select(Township.name, Village.name).join(
            Township, Township.id == Village.township_id)).all()
        rows = []
        for serial in range(20_000):
            first17 = f"5101{serial // 1000:02d}{1950 + serial % 50}0{1 + serial % 9}1{serial % 9}{serial % 1000:03d}"
            township, village = villages[serial % len(villages)]
            rows.append([township, village, f"新户{serial}", first17 + id_check_char(first17),
                         f"139{serial:08d}", 1 + serial % 6, "是", None, None, 300 + serial % 900])
        roster = write_xlsx(["镇街", "村", "户主姓名", "身份证号", "联系电话", "家庭人口", "能否自理", "纬度", "经度",
                             "距离集中取水点(米)"], rows)
        admin = db.session.scalar(select(User).where(User.role == "county_admin"))

        def read(data=roster):
            return sum(1 for _ in load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))

        def importing(dry_run, data=roster, name="roster.xlsx"):
            return run_import(db.session, admin, "households", name, data, dry_run, current_context())

        baseline, count = timed(read)
        dry, report = timed(lambda: importing(True))
        real, report = timed(lambda: importing(False))
        assert not report["errors"], report["errors"][:5]
        client = app.test_client()
        print(f"roster: {count - 1} households, {len(roster) / 1e6:.1f} MB .xlsx, SQLite")
        print(f"baseline  openpyxl read of the file   {baseline:6.1f} s   1.0x")
        print(f"import, dry run (check only)          {dry:6.1f} s   {dry / baseline:.1f}x")
        print(f"import, 20,000 created                {real:6.1f} s   {real / baseline:.1f}x")
        token = client.post("/api/v1/auth/token", json={"username": "admin", "password": "demo-water-2026"}).json
        exported = client.get("/api/v1/households/export.xlsx",
                              headers={"Authorization": f"Bearer {token['token']}"}).data
        export_baseline, _ = timed(lambda: read(exported))
        again, report = timed(lambda: importing(False, exported, "export.xlsx"))
        print(f"baseline  openpyxl read of the export {export_baseline:6.1f} s   1.0x   ({report['rows']} rows)")
        print(f"re-import of the export, {report['unchanged']} unchanged {again:6.1f} s   "
              f"{again / export_baseline:.1f}x its own read")


if __name__ == "__main__":
    main()
