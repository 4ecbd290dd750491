"""Every number on a page links to a list whose total is that number, at every level; the ledger's pages have no
dead ends (the Excel export, the county's ranking, a 回头看's note)."""
import io
import re
from datetime import timedelta

from openpyxl import load_workbook

from models import Case, db
from service.clock import local_today

from .conftest import make_household
from .helpers import csrf_token, login
from .test_cases import _case, _evidence, _move


def _total(client, href: str) -> str | None:
    listed = client.get(href.replace("&amp;", "&")).get_data(as_text=True)
    found = re.search(r'<small class="muted">共 (\d+) ', listed)
    return found and found.group(1)


def test_a_township_s_page_seen_from_the_county_links_each_figure_to_that_township_s_list(client, world):
    for n in range(1, 4):
        make_household(world, n, distance_m=1500.0)
    make_household(world, 9, village=world.v_b1, distance_m=1500.0)
    db.session.commit()
    _case(client, world)
    late = _case(client, world).json["id"]
    _case(client, world, world.worker_b, village_id=world.v_b1.id)
    db.session.execute(Case.__table__.update().where(Case.id == late).values(deadline=local_today() - timedelta(days=1)))
    db.session.commit()
    login(client, "admin")
    county = client.get("/dashboard").get_data(as_text=True)
    assert 'id="ranking"' in county and "城关镇" in county.split('id="ranking"')[1]  # the county ranks its townships
    page = client.get(f"/dashboard?township_id={world.t_a.id}").get_data(as_text=True)
    tiles = re.findall(r'<a class="tile[^"]*" id="tile-(\w+)" href="([^"]+)"><b>(\d+)</b>', page)
    assert tiles
    for key, href, figure in tiles:
        assert _total(client, href) == figure, (key, href, figure)
    # The village table's 问题 counts its unfinished cases, and opens them.
    row = re.search(r'href="(/cases\?[^"]*village_id=%d[^"]*)">(\d+)</a>' % world.v_a1.id, page)
    assert row and _total(client, row.group(1)) == row.group(2) == "2"


def test_the_case_list_exports_its_ledger_with_its_filters_and_a_recheck_needs_a_note(client, world):
    _case(client, world, source="petition")
    _case(client, world, source="hotline")
    login(client, "worker_a")
    page = client.get("/cases?source=petition").get_data(as_text=True)
    link = re.search(r'href="([^"]+)" id="export-ledger"', page).group(1).replace("&amp;", "&")
    book = load_workbook(io.BytesIO(client.get(link).data))
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == "信访件"  # the header and the one petition
    cid = _case(client, world).json["id"]
    _move(client, world, cid, "in_progress", world.worker_a)
    _evidence(client, world, cid, world.worker_a)
    _move(client, world, cid, "resolved", world.worker_a, "已修好")
    _move(client, world, cid, "verified", world.lead_a, "现场查看", "恢复供水")
    empty = _move(client, world, cid, "closed", world.lead_a, "")
    assert empty.status_code == 422 and "note" in empty.json["errors"]["json"]
    assert _move(client, world, cid, "closed", world.lead_a, "回头看：供水正常").status_code == 200


def test_a_county_s_page_seen_from_its_city_links_each_tile_to_that_county_s_list(client, world):
    from .test_regions import _chain, _place, _regional

    province, city, east, west = _chain(client, world)
    _place(client, world, world.t_a, east)
    _place(client, world, world.t_b, west)
    for n in range(1, 4):
        make_household(world, n, distance_m=1500.0)
    make_household(world, 9, village=world.v_b1, distance_m=1500.0)
    db.session.commit()
    _case(client, world)
    _case(client, world, world.worker_b, village_id=world.v_b1.id)
    _regional(world, "jinan", "city_admin", city)
    login(client, "jinan", "a-long-regional-password-2026")
    page = client.get(f"/dashboard?region_id={east}").get_data(as_text=True)
    tiles = re.findall(r'<a class="tile[^"]*" id="tile-(\w+)" href="([^"]+)"><b>(\d+)</b>', page)
    assert {key for key, _, _ in tiles} >= {"needs_delivery", "gaps", "open_cases"}
    for key, href, figure in tiles:
        assert _total(client, href) == figure, (key, href, figure)
