"""A database from before the regions (one county's) is put under one county, so that every township has one

The county is the one its townships' codes name: 统计用区划代码 of nine digits or more whose first six, the same for
all, are a county's GB/T 2260 code; or else COUNTY_CODE in the environment of `flask db upgrade`. The province,
city and county are registered with it (the province by its name, the city as 本市 and the county as 本县 until the
county's administrator renames them: PATCH /api/v1/regions/<id>). Without either, or in a database that already
has regions, nothing changes: its townships have no county, as before, until they are given one.

Revision ID: 293a4b5c6d7e
Revises: 18293a4b5c63
Create Date: 2026-12-03 19:10:00

"""
import os
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '293a4b5c6d7e'
down_revision = '18293a4b5c63'
branch_labels = None
depends_on = None

# GB/T 2260's provinces, by their two digits.
PROVINCES = {"11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区", "21": "辽宁省",
             "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省",
             "35": "福建省", "36": "江西省", "37": "山东省", "41": "河南省", "42": "湖北省", "43": "湖南省",
             "44": "广东省", "45": "广西壮族自治区", "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省",
             "53": "云南省", "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省",
             "64": "宁夏回族自治区", "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区",
             "82": "澳门特别行政区"}
CITY, COUNTY = "本市", "本县"


def _is_county(code: str | None) -> bool:
    return bool(code) and len(code) == 6 and code.isascii() and code.isdigit() and code[:2] in PROVINCES \
        and code[2:4] != "00" and code[4:] != "00"


def _county_code(township_codes: list[str]) -> str | None:
    prefixes = {code[:6] if len(code) >= 9 else None for code in township_codes}
    if len(prefixes) == 1 and _is_county(prefix := prefixes.pop()):
        return prefix
    chosen = os.environ.get("COUNTY_CODE")
    return chosen if _is_county(chosen) else None


def upgrade():
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM regions")).scalar():
        return
    codes = bind.execute(sa.text("SELECT code FROM townships")).scalars().all()
    code = _county_code(codes) if codes else None
    if code is None:
        return
    now = datetime.now(timezone.utc)
    if bind.dialect.name == "sqlite":  # as the models store it there: naive UTC
        now = now.replace(tzinfo=None)
    regions = sa.table("regions", sa.column("name"), sa.column("code"), sa.column("level"), sa.column("parent_id"),
                       sa.column("created_at", sa.DateTime(timezone=True)),
                       sa.column("updated_at", sa.DateTime(timezone=True)))
    parent_id = None
    for name, region_code, level in ((PROVINCES[code[:2]], code[:2] + "0000", "province"),
                                     (CITY, code[:4] + "00", "city"), (COUNTY, code, "county")):
        bind.execute(regions.insert().values(name=name, code=region_code, level=level, parent_id=parent_id,
                                             created_at=now, updated_at=now))
        parent_id = bind.execute(sa.text("SELECT id FROM regions WHERE code = :code"), {"code": region_code}).scalar()
    bind.execute(sa.text("UPDATE townships SET county_id = :county"), {"county": parent_id})


def downgrade():
    """Takes away the three regions the upgrade registered while they are still the only ones."""
    bind = op.get_bind()
    county_id = bind.execute(sa.text("SELECT id FROM regions WHERE level = 'county' AND name = :name "
                                     "AND (SELECT count(*) FROM regions) = 3"), {"name": COUNTY}).scalar()
    if county_id is not None:
        bind.execute(sa.text("UPDATE townships SET county_id = NULL WHERE county_id = :county"), {"county": county_id})
        for level in ("county", "city", "province"):
            bind.execute(sa.text("DELETE FROM regions WHERE level = :level"), {"level": level})
