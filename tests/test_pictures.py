"""The pictures: drawn on the server as SVG, shown on the dashboard and the village page without JavaScript, each
saying what it shows (a title, its places, its series) in Chinese."""
import base64
import re
from xml.etree import ElementTree

from datetime import datetime, time, timedelta

from models import Case, Delivery, Facility, db
from service.clock import local_today
from service.domain.scope import Scope
from service.domain.trends import case_backlog, deliveries_on_time, week_ends
from service.charts import ring_extent
from service.domain.geo import recompute_distances

from .conftest import make_agreement, make_household
from .helpers import SHANGHAI, login, recent_history

SVG = re.compile(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"')


def _pictures(page: str) -> dict[str, str]:
    """alt text → the SVG's visible text, each picture parsed as XML (no script in any)."""
    found = {}
    for encoded, alt in SVG.findall(page):
        svg = base64.b64decode(encoded).decode()
        root = ElementTree.fromstring(svg)
        assert not root.findall(".//{http://www.w3.org/2000/svg}script") and "<script" not in svg
        found[alt] = " ".join(t for t in root.itertext() if t.strip())
    return found


def test_the_dashboard_draws_its_trends_and_each_townships_figures(client, world):
    recent_history(world, 1, missed_every=5)  # 80% in 城关镇
    db.session.add(Case(kind="other", township_id=world.t_b.id, village_id=world.v_b1.id, severity="low",
                        lead_unit="河口镇", deadline=local_today(), status="open"))
    db.session.commit()
    login(client, "admin")
    page = client.get("/dashboard").get_data(as_text=True)
    pictures = _pictures(page)
    supply = "供水保证率（近30天，基本达标 ≥90%）"
    assert list(pictures) == ["每周末未销号的问题", "每月送水：按时、补登、漏送", supply, "水质达标率（近一年）"]
    assert "80%" in pictures[supply] and "城关镇" in pictures[supply]
    assert {"按时", "补登", "漏送"} <= set(pictures["每月送水：按时、补登、漏送"].split())
    assert "暂无数据" in pictures["水质达标率（近一年）"]
    assert 'id="supply-tile"><b>80%' in page
    # One township of the county: its villages compared.
    one = _pictures(client.get(f"/dashboard?township_id={world.t_a.id}").get_data(as_text=True))
    assert "张家村" in one[supply] and "城关镇" not in one[supply]


def test_the_village_page_maps_water_points_rings_and_households(client, world):
    db.session.execute(Facility.__table__.update().where(Facility.id == world.point_a1.id)
                       .values(lat=36.0, lon=117.0))
    make_household(world, 1, lat=36.0, lon=117.012, distance_m=None)  # about 1.08 km east: a gap
    make_household(world, 2, lat=36.002, lon=117.0, distance_m=None)  # about 220 m north
    make_household(world, 3)  # no coordinates: listed, not drawn
    recompute_distances(db.session, [world.v_a1.id])
    db.session.commit()
    login(client, "worker_a")
    page = client.get(f"/villages/{world.v_a1.id}").get_data(as_text=True)
    [(title, text)] = _pictures(page).items()
    assert title.startswith("张家村") and "400 米" in text and "800 米" in text and "集中供水点" in text
    assert "需送水 · 未签协议" in text and "无需送水" in text
    assert page.count("row-link") == 4  # one facility, three households
    assert "需送水 · 未签协议 · 距供水点 1080 米" in page and "无需送水 · 距供水点 222 米" in page
    assert client.get(f"/villages/{world.v_b1.id}").status_code == 404
    # One metre is one length both ways: the 400 m ring is a circle, not an ellipse (it was 1.29 times wider).
    svg = base64.b64decode(re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', page).group(1)).decode()
    width, height = ring_extent(svg)
    assert height > 0 and abs(width / height - 1) < 0.02


def test_each_months_deliveries_are_on_time_late_or_missed(world):
    """On its day (local time), on a later day (补登), or missed; cancelled and unplanned ones are not counted."""
    day = local_today().replace(day=1) - timedelta(days=20)  # in last month
    local = lambda d, hour: datetime.combine(d, time(hour), SHANGHAI)  # noqa: E731
    for serial, (delivered_at, status, unplanned) in enumerate((
            (local(day, 23), "delivered", False),  # 15:00 UTC: still its day
            (local(day + timedelta(days=1), 0), "delivered", False),  # 补登
            (None, "missed", False), (None, "cancelled", False), (local(day, 9), "delivered", True)), start=1):
        household = make_household(world, serial)
        agreement = make_agreement(world, household)
        db.session.add(Delivery(household_id=household.id, agreement_id=None if unplanned else agreement.id,
                                scheduled_for=day, status=status, unplanned=unplanned, delivered_at=delivered_at,
                                liters=50 if delivered_at else None))
    db.session.commit()
    months = deliveries_on_time(db.session, Scope(), local_today(), SHANGHAI)
    assert len(months) == 12 and months[-1]["month"] == local_today().replace(day=1)
    month = next(m for m in months if m["month"] == day.replace(day=1))
    assert (month["on_time"], month["late"], month["missed"], month["percent_on_time"]) == (1, 1, 1, 33.3)
    assert sum(m["on_time"] + m["late"] + m["missed"] for m in months) == 3


def test_the_cases_still_open_at_the_end_of_each_week(world):
    today = local_today()
    ends = week_ends(today, 3)
    # Sundays, the last one cut short at today.
    assert ends[-1] == today and all(end.isoweekday() == 7 for end in ends[:-1])
    assert (ends[1] - ends[0]).days == 7 and 0 < (ends[2] - ends[1]).days <= 7
    noon = lambda d: datetime.combine(d, time(12), SHANGHAI)  # noqa: E731
    common = {"kind": "other", "township_id": world.t_a.id, "village_id": world.v_a1.id, "severity": "low",
              "lead_unit": "城关镇", "deadline": today}
    db.session.add_all([
        Case(**common, status="open", created_at=noon(ends[0])),  # open all along
        Case(**common, status="verified", resolution_note="好了", created_at=noon(ends[0]),
             verified_at=noon(ends[1])),  # open at the first week's end only
        Case(**common, status="open", created_at=noon(ends[1] + timedelta(days=1))),  # from the second week on
        # A record verified before it was opened (as bad data has it): it never counts below zero.
        Case(**common, status="closed", resolution_note="好了", created_at=noon(ends[1] + timedelta(days=1)),
             verified_at=noon(ends[0]))])
    db.session.commit()
    assert case_backlog(db.session, Scope(), today, SHANGHAI, weeks=3) == [(ends[0], 2), (ends[1], 1), (ends[2], 2)]


def test_a_county_users_view_of_one_township_draws_that_townships_trends(world, monkeypatch):
    from service import pictures

    seen = []
    monkeypatch.setattr(pictures, "case_backlog", lambda session, scope, *args: seen.append(scope) or [])
    monkeypatch.setattr(pictures, "deliveries_on_time", lambda session, scope, *args: seen.append(scope) or [])
    figures = {"townships": [], "villages": []}
    pictures.dashboard_pictures(db.session, Scope(), local_today(), SHANGHAI, figures, 90, world.t_a.id)
    pictures.dashboard_pictures(db.session, Scope(world.t_b.id), local_today(), SHANGHAI, figures, 90, world.t_a.id)
    assert seen == [Scope(world.t_a.id)] * 2 + [Scope(world.t_b.id)] * 2  # a township user stays in its own
