"""回头查: any set of finished cases, whenever a township or the county calls it, each checked against the 整改标准
recorded for it; a failure reopens the case as a relapse; the results print and verify."""
import io
import re
from datetime import timedelta

from models import Case, db, utcnow
from service.clock import local_today

from .helpers import PNG, csrf_token, login, text_of
from .test_cases import _case, _evidence, _move


def _finished(client, world, to="verified", standard="出水浊度≤1NTU，无异味", **values) -> int:
    cid = _case(client, world, **values).json["id"]
    _move(client, world, cid, "in_progress", world.worker_a)
    _evidence(client, world, cid, world.worker_a)
    assert _move(client, world, cid, "resolved", world.worker_a, "已清洗蓄水池").status_code == 200
    if to in ("verified", "closed"):
        assert _move(client, world, cid, "verified", world.lead_a, "现场查看", standard).status_code == 200
    if to == "closed":
        assert _move(client, world, cid, "closed", world.lead_a, "回头看合格").status_code == 200
    return cid


def _start(client, world, user, **body):
    return client.post("/api/v1/rechecks", json=body, headers=world.headers(user))


def test_a_recheck_covers_any_finished_cases_whenever_called(client, world):
    verified = _finished(client, world, source="petition", deadline=(local_today() + timedelta(days=20)).isoformat())
    closed = _finished(client, world, to="closed", source="hotline")
    resolved = _finished(client, world, to="resolved", source="petition")
    still_open = _case(client, world).json["id"]
    # A closed case long ago is re-checked as well: no age limit, no waiting for day 28.
    db.session.execute(Case.__table__.update().where(Case.id == closed).values(
        verified_at=utcnow() - timedelta(days=400), resolved_at=utcnow() - timedelta(days=401)))
    db.session.commit()

    lead_b = world._user("lead_b", "township_lead", world.t_b.id)
    db.session.commit()
    assert _start(client, world, world.worker_a, township_id=world.t_a.id).status_code == 403  # leads start one
    assert _start(client, world, lead_b, township_id=world.t_a.id).status_code == 403  # not its township
    refused = _start(client, world, world.lead_a, township_id=world.t_a.id, case_ids=[verified, still_open])
    assert refused.status_code == 422 and str(still_open) in refused.json["errors"]["json"]["case_ids"][0]
    everything = _start(client, world, world.lead_a, township_id=world.t_a.id)
    assert everything.status_code == 201, everything.json
    assert {i["case_id"] for i in everything.json["items"]} == {verified, closed, resolved}
    petitions = _start(client, world, world.admin, township_id=world.t_a.id, source="petition").json
    assert {i["case_id"] for i in petitions["items"]} == {verified, resolved}
    recent = _start(client, world, world.admin, township_id=world.t_a.id,
                    closed_from=(local_today() - timedelta(days=30)).isoformat()).json
    assert {i["case_id"] for i in recent["items"]} == {verified, resolved}
    standards = {i["case_id"]: i["standard"] for i in everything.json["items"]}
    assert standards[verified] == "出水浊度≤1NTU，无异味" and standards[resolved] is None
    listed = client.get("/api/v1/rechecks", headers=world.headers(world.lead_a)).json
    assert listed["total"] == 3 and listed["items"][0]["id"] == recent["id"]
    assert client.get("/api/v1/rechecks", headers=world.headers(lead_b)).json["total"] == 0
    assert client.get(f"/api/v1/rechecks/{recent['id']}", headers=world.headers(lead_b)).status_code == 404


def test_a_failed_check_reopens_the_case_as_a_relapse_keeping_its_deadline(client, world):
    day = (local_today() + timedelta(days=20)).isoformat()
    failing = _finished(client, world, deadline=day)
    passing = _finished(client, world)
    recheck = _start(client, world, world.lead_a, township_id=world.t_a.id).json
    url = f"/api/v1/rechecks/{recheck['id']}/results"

    def result(user, **body):
        return client.post(url, json=body, headers=world.headers(user))

    assert result(world.lead_a, case_id=failing, passed=False, note="").status_code == 422  # say what was found
    assert result(world.worker_a, case_id=failing, passed=False, note="蓄水池又有青苔").status_code == 403  # resolved it
    assert result(world.worker_b, case_id=failing, passed=False, note="x").status_code == 403  # another township
    failed = result(world.lead_a, case_id=failing, passed=False, note="蓄水池又有青苔，浊度2NTU")
    assert failed.status_code == 201 and failed.json["passed"] is False
    case = client.get(f"/api/v1/cases/{failing}", headers=world.headers(world.admin)).json
    assert case["status"] == "open" and case["relapse_count"] == 1 and case["deadline"] == day
    assert case["events"][-1]["action"] == "recheck_failed" and "蓄水池又有青苔" in case["events"][-1]["note"]
    assert result(world.lead_a, case_id=failing, passed=True, note="再查").status_code == 409  # once per case
    passed = result(world.lead_a, case_id=passing, passed=True, note="出水清澈，对照标准逐项合格")
    assert passed.status_code == 201
    assert client.get(f"/api/v1/cases/{passing}", headers=world.headers(world.admin)).json["status"] == "closed"
    counts = client.get(f"/api/v1/rechecks/{recheck['id']}", headers=world.headers(world.lead_a)).json["counts"]
    assert counts == {"total": 2, "checked": 2, "passed": 1, "failed": 1}

    pdf = client.get(f"/reports/rechecks/{recheck['id']}.pdf", headers=world.headers(world.lead_a))
    assert pdf.status_code == 200
    flat = " ".join(text_of(pdf.data)[0].split())
    dense = "".join(flat.split())
    assert "城关镇回头查结果" in flat and "共2件，已核查2件：合格1件，不合格1件" in dense
    assert "蓄水池又有青苔" in dense and "出水浊度≤1NTU" in dense and "不合格" in dense
    code = re.search(r"核验码\s*([0-9A-F]{16})", flat).group(1)
    assert client.get(f"/verify/{code}", headers=world.headers(world.lead_a)).json["status"] == "match"


def test_a_recheck_runs_from_the_phone_with_a_photo(client, world):
    cid = _finished(client, world, standard="水源井周边10米内无垃圾")
    login(client, "lead_a")
    page = client.get("/rechecks").get_data(as_text=True)
    assert "发起回头查" in page
    token = csrf_token(client, "/rechecks")
    started = client.post("/rechecks", data={"csrf_token": token, "township_id": world.t_a.id})
    assert started.status_code == 302
    detail_url = started.headers["Location"].split("#")[0]
    detail = client.get(detail_url).get_data(as_text=True)
    assert "水源井周边10米内无垃圾" in detail and "待核查" not in detail  # the lead may check: a form, not a wait
    rid = int(detail_url.rstrip("/").split("/")[-1])
    token = csrf_token(client, detail_url)
    empty = client.post(f"/rechecks/{rid}/results", data={"csrf_token": token, "case_id": cid, "passed": "1",
                                                          "note": ""})
    assert empty.status_code == 422 and 'data-field="note"' in empty.get_data(as_text=True)
    done = client.post(f"/rechecks/{rid}/results", content_type="multipart/form-data",
                       data={"csrf_token": token, "case_id": cid, "passed": "1", "note": "周边已清理，合格",
                             "photo": (io.BytesIO(PNG), "site.png")})
    assert done.status_code == 302
    detail = client.get(detail_url).get_data(as_text=True)
    assert "周边已清理，合格" in detail and f"/rechecks/{rid}/photos/" in detail
    photo = re.search(rf'href="(/rechecks/{rid}/photos/\d+)"', detail).group(1)
    assert client.get(photo).status_code == 200
    assert client.get(f"/api/v1/cases/{cid}", headers=world.headers(world.admin)).json["status"] == "closed"
