"""Benchmark: last year's paper survey of 20,000 visits imported from .xlsx, next to a plain openpyxl read of it.

    .venv/bin/python -m bench.survey_import

Seeds the county (20,000 households) into a fresh SQLite database, writes a survey sheet of one visit for each
household (its resident ID decrypted from the registry, the verdicts varied so that three in eight are
unsafe), then times: openpyxl reading the file (the baseline), a dry run, the real import (20,000 visits and the
unsafe households' cases) and the same paper again (20,000 unchanged).
"""
import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import func, select

from models import Case, Household, Township, User, Village, db
from bench.common import fresh_county, timed
from service.clock import local_today
from service.context import current_context, current_vault
from service.domain.tables import write_xlsx
from service.imports.runner import run_import

VERDICTS = ("达标", "达标", "达标", "基本达标", "达标", "达标", "达标", "不达标")


def main() -> None:
    with fresh_county():
        vault = current_vault()
        households = db.session.execute(
            select(Township.name, Village.name, Household.head_name, Household.id_number_encrypted)
            .join(Village, Village.id == Household.village_id).join(Township, Township.id == Village.township_id)
            .order_by(Household.id)).all()
        day = date(local_today().year - 1, 11, 5)
        rows = [[township, village, name, vault.decrypt(encrypted), day, VERDICTS[n % 8], VERDICTS[(n + 3) % 8],
                 "达标", VERDICTS[(n + 5) % 8], "周排查", None]
                for n, (township, village, name, encrypted) in enumerate(households)]
        sheet = write_xlsx(["镇街", "村", "户主姓名", "身份证号", "排查日期", "水量", "水质", "用水方便程度",
                            "供水保证率", "排查人", "备注"], rows)
        admin = db.session.scalar(select(User).where(User.role == "county_admin"))

        def read():
            return sum(1 for _ in load_workbook(io.BytesIO(sheet), read_only=True).active.iter_rows(values_only=True))

        def importing(dry_run):
            return run_import(db.session, admin, "visits", "survey.xlsx", sheet, dry_run, current_context())

        baseline, count = timed(read)
        dry, report = timed(lambda: importing(True))
        assert not report["errors"], report["errors"][:5]
        real, report = timed(lambda: importing(False))
        assert report["created"] == count - 1, report
        cases = db.session.scalar(select(func.count()).select_from(Case).where(Case.dedupe_key.like("survey:%")))
        again, repeated = timed(lambda: importing(False))
        print(f"survey: {count - 1} visits, {len(sheet) / 1e6:.1f} MB .xlsx, SQLite; {cases} unsafe households' cases")
        print(f"baseline  openpyxl read of the file   {baseline:6.1f} s   1.0x")
        print(f"import, dry run (check only)          {dry:6.1f} s   {dry / baseline:.1f}x")
        print(f"import, {report['created']} visits created     {real:6.1f} s   {real / baseline:.1f}x")
        print(f"the same paper again, {repeated['unchanged']} unchanged {again:6.1f} s   {again / baseline:.1f}x")


if __name__ == "__main__":
    main()
