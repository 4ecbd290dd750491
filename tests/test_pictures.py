"""The pictures: drawn on the server as SVG, shown on the dashboard and the village page without JavaScript, each
saying what it shows (a title, its places, its series) in Chinese."""
import base64
import re
from xml.etree import ElementTree

from models import Case, Facility, db
from service.clock import local_today
from service.domain.geo import recompute_distances

from .conftest import make_household
from .test_pages import login
from .test_supply import _recent_history

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
    _recent_history(world, 1, missed_every=5)  # 80% in 城关镇
    db.session.add(Case(kind="other", township_id=world.t_b.id, village_id=world.v_b1.id, severity="low",
                        lead_unit="河口镇", deadline=local_today(), status="open"))
    db.session.commit()
    login(client, "admin")
    page = client.get("/dashboard").get_data(as_text=True)
    pictures = _pictures(page)
    assert list(pictures) == ["每周末未销号的问题", "每月送水：按时、补登、漏送", "供水保障率（近30天）", "水质达标率（近一年）"]
    assert "80%" in pictures["供水保障率（近30天）"] and "城关镇" in pictures["供水保障率（近30天）"]
    assert "标准 90%" in pictures["供水保障率（近30天）"]
    assert {"按时", "补登", "漏送"} <= set(pictures["每月送水：按时、补登、漏送"].split())
    assert "暂无数据" in pictures["水质达标率（近一年）"]
    assert 'id="supply-tile"><b>80%' in page


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
