"""The ledger's columns on every case (问题来源, 交办编号, 整改类别, 整改措施), its progress entries and its relapses."""
from datetime import timedelta

from sqlalchemy import select

from models import Case, db, utcnow
from service.context import current_rules
from service.domain.registry import set_facility_status

from .conftest import household_payload
from .test_cases import _case, _evidence, _move


def test_a_case_says_where_it_came_from_and_how_it_is_fixed(client, world):
    h = world.headers(world.worker_a)
    r = _case(client, world, source="inspection", source_ref="督改〔2026〕17号", category="ongoing",
              measures="每周清理水源地，设立警示牌")
    assert r.status_code == 201
    case = r.json
    assert (case["source"], case["source_ref"], case["category"], case["measures"]) == \
        ("inspection", "督改〔2026〕17号", "ongoing", "每周清理水源地，设立警示牌")
    assert _case(client, world).json["source"] == "self_check" and _case(client, world).json["category"] == "deadline"
    bad = _case(client, world, source="rumour", category="soon", source_ref="x" * 61)
    assert bad.status_code == 422 and set(bad.json["errors"]["json"]) == {"source", "category", "source_ref"}
    patched = client.patch(f"/api/v1/cases/{case['id']}", json={"measures": "更换为封闭式取水口"}, headers=h)
    assert patched.status_code == 200 and patched.json["measures"] == "更换为封闭式取水口"
    # A case the service opens (a gap) is 系统发现.
    client.post("/api/v1/households", json=household_payload(world, 9, distance_m=1500), headers=h)
    gap = db.session.scalars(select(Case).where(Case.kind == "missing_agreement")).one()
    assert gap.source == "system"


def test_progress_is_dated_attributed_and_listed(client, world):
    cid = _case(client, world).json["id"]
    h = world.headers(world.worker_a)
    first = client.post(f"/api/v1/cases/{cid}/progress", json={"note": "已联系水厂"}, headers=h)
    assert first.status_code == 201 and first.json["note"] == "已联系水厂" and first.json["actor_id"] == world.worker_a.id
    client.post(f"/api/v1/cases/{cid}/progress", json={"note": "管道已更换一半"}, headers=h)
    assert client.post(f"/api/v1/cases/{cid}/progress", json={"note": ""}, headers=h).status_code == 422
    assert client.post(f"/api/v1/cases/{cid}/progress", json={"note": "x"},
                       headers=world.headers(world.worker_b)).status_code == 403  # another township's
    progress = client.get(f"/api/v1/cases/{cid}", headers=h).json["progress"]
    assert [p["note"] for p in progress] == ["已联系水厂", "管道已更换一半"]


def test_a_facility_that_fails_again_soon_after_销号_is_a_relapse_of_its_case(client, world):
    rules = current_rules()
    set_facility_status(db.session, world.worker_a, world.point_a1.id, "broken", "水泵坏了", rules)
    db.session.commit()
    first = db.session.scalars(select(Case).where(Case.facility_id == world.point_a1.id)).one()
    _move(client, world, first.id, "in_progress", world.worker_a)
    _evidence(client, world, first.id, world.worker_a)
    _move(client, world, first.id, "resolved", world.worker_a, "换了水泵")
    assert _move(client, world, first.id, "verified", world.lead_a, "现场查看").status_code == 200
    set_facility_status(db.session, world.worker_a, world.point_a1.id, "broken", "又坏了", current_rules())
    db.session.commit()
    again = db.session.scalars(select(Case).where(Case.facility_id == world.point_a1.id, Case.id != first.id)).one()
    answer = client.get(f"/api/v1/cases/{again.id}", headers=world.headers(world.worker_a)).json
    assert answer["relapse_of"] == first.id
    assert client.get(f"/api/v1/cases/{first.id}", headers=world.headers(world.worker_a)).json["relapse_count"] == 1
    county = client.get("/api/v1/dashboard", headers=world.headers(world.admin)).json
    assert county["overall"]["relapses"] == 1


def _verified(client, world, **values) -> int:
    cid = _case(client, world, **values).json["id"]
    _move(client, world, cid, "in_progress", world.worker_a)
    _evidence(client, world, cid, world.worker_a)
    _move(client, world, cid, "resolved", world.worker_a, "好了")
    assert _move(client, world, cid, "verified", world.lead_a, "现场查看").status_code == 200
    return cid


def test_only_the_same_household_and_kind_within_the_window_is_a_relapse(client, world):
    household = client.post("/api/v1/households", json=household_payload(world, 3),
                            headers=world.headers(world.worker_a)).json["id"]
    old = _verified(client, world, household_id=household)
    db.session.execute(Case.__table__.update().where(Case.id == old)
                       .values(verified_at=utcnow() - timedelta(days=91)))
    db.session.commit()
    assert _case(client, world, household_id=household).json["relapse_of"] is None  # past 90 days
    recent = _verified(client, world, household_id=household, kind="sanitation")
    assert _case(client, world, household_id=household).json["relapse_of"] is None  # another kind
    assert _case(client, world).json["relapse_of"] is None  # the village, not the household
    again = _case(client, world, household_id=household, kind="sanitation").json
    assert again["relapse_of"] == recent
