"""长期坚持 without a deadline but with a review rhythm, milestones (倒排工期), and deadlines nobody but a person moves."""
import io
from datetime import timedelta

from models import Case, db
from service.clock import local_today
from service.domain.system_cases import case_deadlines
from models import SmsMessage, utcnow

from .helpers import PNG, csrf_token, login


def _case(client, world, user=None, **values):
    body = {"kind": "other", "village_id": world.v_a1.id, "description": "水源地周边环境整治", **values}
    return client.post("/api/v1/cases", json=body, headers=world.headers(user or world.worker_a))


def _get(client, world, cid):
    return client.get(f"/api/v1/cases/{cid}", headers=world.headers(world.admin)).json


def _ids(client, world, **query):
    answer = client.get("/api/v1/cases", query_string={**query, "per_page": 100}, headers=world.headers(world.admin))
    assert answer.status_code == 200, answer.json
    return {item["id"] for item in answer.json["items"]}


def _days_ago(case_id, **columns):
    db.session.execute(Case.__table__.update().where(Case.id == case_id).values(**columns))
    db.session.commit()


def test_ongoing_work_has_no_deadline_but_a_progress_entry_due(client, world):
    refused = _case(client, world, category="ongoing", deadline=(local_today() + timedelta(days=7)).isoformat())
    assert refused.status_code == 422 and "deadline" in refused.json["errors"]["json"]
    made = _case(client, world, category="ongoing", severity="medium")
    assert made.status_code == 201, made.json
    case = made.json
    assert case["deadline"] is None and case["overdue"] is False and case["progress_overdue"] is False
    assert case["progress_due_on"] == (local_today() + timedelta(days=30)).isoformat()
    fixed = _case(client, world, severity="medium").json  # 限期整改: 7 days by default
    assert fixed["deadline"] == (local_today() + timedelta(days=7)).isoformat()

    # A year on without a progress entry: never overdue, but 进展逾期, counted and listed as such.
    _days_ago(case["id"], progress_due_on=local_today() - timedelta(days=1), created_at=utcnow() - timedelta(days=365))
    assert case["id"] not in _ids(client, world, overdue="true")
    assert case["id"] in _ids(client, world, overdue="false")  # the negation keeps a case without a deadline
    assert case["id"] in _ids(client, world, progress_overdue="true")
    assert case["id"] not in _ids(client, world, progress_overdue="false")
    assert fixed["id"] in _ids(client, world, progress_overdue="false")
    assert _get(client, world, case["id"])["progress_overdue"] is True

    entry = client.post(f"/api/v1/cases/{case['id']}/progress", json={"note": "清理水源地周边垃圾"},
                        headers=world.headers(world.worker_a))
    assert entry.status_code == 201
    after = _get(client, world, case["id"])
    assert after["progress_overdue"] is False
    assert after["progress_due_on"] == (local_today() + timedelta(days=30)).isoformat()


def test_ongoing_work_is_reminded_of_its_progress_entry_once(client, world):
    case = _case(client, world, category="ongoing", assignee_id=world.staff_a.id).json
    _days_ago(case["id"], progress_due_on=local_today() + timedelta(days=1))
    assert case_deadlines(db.session, local_today(), utcnow())["reminded"] == 1
    assert case_deadlines(db.session, local_today(), utcnow())["reminded"] == 0
    db.session.commit()
    texts = [m.body for m in db.session.scalars(db.select(SmsMessage)).all() if m.purpose == "case_reminder"]
    assert len(texts) == 1 and "进展" in texts[0]


def test_a_milestone_past_due_makes_its_case_overdue(client, world):
    case = _case(client, world, category="ongoing").json
    refused = client.post(f"/api/v1/cases/{case['id']}/milestones", json={"title": "招标",
                          "due_on": (local_today() - timedelta(days=1)).isoformat()},
                          headers=world.headers(world.worker_a))
    assert refused.status_code == 422 and "due_on" in refused.json["errors"]["json"]
    made = client.post(f"/api/v1/cases/{case['id']}/milestones", json={"title": "招标",
                       "due_on": (local_today() + timedelta(days=10)).isoformat()},
                       headers=world.headers(world.worker_a))
    assert made.status_code == 201 and made.json["done_on"] is None and made.json["overdue"] is False
    mid = made.json["id"]
    assert case["id"] not in _ids(client, world, overdue="true")
    db.session.execute(db.text("UPDATE case_milestones SET due_on = :day WHERE id = :id"),
                       {"day": local_today() - timedelta(days=2), "id": mid})
    db.session.commit()
    read = _get(client, world, case["id"])
    assert read["overdue"] is True and read["milestones"][0]["overdue"] is True
    assert case["id"] in _ids(client, world, overdue="true")
    stats = client.get("/api/v1/cases/stats", query_string={"group_by": "category"},
                       headers=world.headers(world.admin)).json
    assert stats["totals"]["overdue"] == len(_ids(client, world, overdue="true"))

    future = client.patch(f"/api/v1/cases/{case['id']}/milestones/{mid}",
                          json={"done_on": (local_today() + timedelta(days=1)).isoformat()},
                          headers=world.headers(world.worker_a))
    assert future.status_code == 422 and "done_on" in future.json["errors"]["json"]
    done = client.patch(f"/api/v1/cases/{case['id']}/milestones/{mid}", json={"done_on": local_today().isoformat()},
                        headers=world.headers(world.worker_a))
    assert done.status_code == 200 and done.json["done_on"] == local_today().isoformat()
    assert _get(client, world, case["id"])["overdue"] is False
    assert case["id"] not in _ids(client, world, overdue="true")
    other = client.patch(f"/api/v1/cases/{case['id']}/milestones/{mid}", json={"done_on": None},
                         headers=world.headers(world.worker_b))
    assert other.status_code == 403  # another township's worker may not touch it
    actions = [e["action"] for e in _get(client, world, case["id"])["events"]]
    assert actions.count("milestone") == 1 and actions.count("milestone_done") == 1


def test_a_relapse_keeps_the_deadline_a_person_set(client, world):
    """A task handed down with a deadline of 14 days: a failed 回头看 reopens it with that deadline, not the default
    by severity (3 days for high)."""
    set_day = (local_today() + timedelta(days=14)).isoformat()
    cid = _case(client, world, kind="water_quality", deadline=set_day).json["id"]
    for to, user, note in (("in_progress", world.worker_a, None), ("resolved", world.worker_a, "已处理")):
        if to == "resolved":
            client.post(f"/api/v1/cases/{cid}/evidence", headers=world.headers(world.worker_a),
                        data={"file": (io.BytesIO(PNG), "p.png")}, content_type="multipart/form-data")
        assert client.post(f"/api/v1/cases/{cid}/transitions", json={"to": to, "note": note},
                           headers=world.headers(user)).status_code == 200
    assert client.post(f"/api/v1/cases/{cid}/transitions", json={"to": "verified", "note": "现场核查", "standard": "恢复正常供水"},
                       headers=world.headers(world.lead_a)).status_code == 200
    reopened = client.post(f"/api/v1/cases/{cid}/transitions", json={"to": "open", "note": "回头看水又浑"},
                           headers=world.headers(world.lead_a))
    assert reopened.status_code == 200 and reopened.json["relapse_count"] == 1
    assert reopened.json["deadline"] == set_day
    assert "deadline_changed" not in [e["action"] for e in reopened.json["events"]]


def test_a_relapse_after_its_deadline_passed_gets_a_new_one_and_says_so(client, world):
    cid = _case(client, world, kind="water_quality").json["id"]
    client.post(f"/api/v1/cases/{cid}/evidence", headers=world.headers(world.worker_a),
                data={"file": (io.BytesIO(PNG), "p.png")}, content_type="multipart/form-data")
    client.post(f"/api/v1/cases/{cid}/transitions", json={"to": "in_progress"}, headers=world.headers(world.worker_a))
    client.post(f"/api/v1/cases/{cid}/transitions", json={"to": "resolved", "note": "已处理"},
                headers=world.headers(world.worker_a))
    client.post(f"/api/v1/cases/{cid}/transitions", json={"to": "verified", "note": "现场核查", "standard": "恢复正常供水"},
                headers=world.headers(world.lead_a))
    _days_ago(cid, deadline=local_today() - timedelta(days=20))
    reopened = client.post(f"/api/v1/cases/{cid}/transitions", json={"to": "open", "note": "反弹"},
                           headers=world.headers(world.lead_a)).json
    assert reopened["deadline"] == (local_today() + timedelta(days=3)).isoformat()
    change = [e for e in reopened["events"] if e["action"] == "deadline_changed"]
    assert len(change) == 1 and change[0]["actor_id"] is None
    assert change[0]["note"].startswith((local_today() - timedelta(days=20)).isoformat())


def test_switching_to_ongoing_drops_the_deadline_and_back_gives_one(client, world):
    cid = _case(client, world, severity="low").json["id"]
    unsaid = client.patch(f"/api/v1/cases/{cid}", json={"category": "ongoing"}, headers=world.headers(world.worker_a))
    assert unsaid.status_code == 422 and "deadline_reason" in unsaid.json["errors"]["json"]  # dropping it moves it
    ongoing = client.patch(f"/api/v1/cases/{cid}", json={"category": "ongoing", "deadline_reason": "属长期工作"},
                           headers=world.headers(world.worker_a))
    assert ongoing.status_code == 200 and ongoing.json["deadline"] is None and ongoing.json["progress_due_on"]
    assert "deadline_changed" in [e["action"] for e in ongoing.json["events"]]
    back = client.patch(f"/api/v1/cases/{cid}", json={"category": "deadline",
                        "deadline": (local_today() + timedelta(days=20)).isoformat()}, headers=world.headers(world.worker_a))
    assert back.status_code == 200 and back.json["progress_due_on"] is None
    assert back.json["deadline"] == (local_today() + timedelta(days=20)).isoformat()


def test_the_case_page_shows_ongoing_work_and_takes_milestones(client, world):
    cid = _case(client, world, category="ongoing").json["id"]
    login(client, "worker_a")
    page = client.get(f"/cases/{cid}").get_data(as_text=True)
    assert "长期坚持" in page and "倒排工期" in page
    token = csrf_token(client, f"/cases/{cid}")
    refused = client.post(f"/cases/{cid}/milestones", data={"title": "施工", "due_on": "2001-01-01", "csrf_token": token})
    assert refused.status_code == 422 and 'data-field="due_on"' in refused.get_data(as_text=True)
    due = (local_today() + timedelta(days=5)).isoformat()
    made = client.post(f"/cases/{cid}/milestones", data={"title": "施工", "due_on": due, "csrf_token": token})
    assert made.status_code == 302
    mid = _get(client, world, cid)["milestones"][0]["id"]
    assert client.post(f"/cases/{cid}/milestones/{mid}/done", data={"csrf_token": token}).status_code == 302
    assert _get(client, world, cid)["milestones"][0]["done_on"] == local_today().isoformat()


def test_the_overdue_filter_and_its_negation_split_the_cases_as_each_case_says(client, world):
    """The list's overdue filter goes through the late deadlines and milestones (indexes), the `overdue` field case by
    case: both agree, and overdue=false keeps what has no deadline."""
    today = local_today()
    late = _case(client, world).json["id"]
    _days_ago(late, deadline=today - timedelta(days=1))
    on_time = _case(client, world).json["id"]
    done_late = _case(client, world).json["id"]
    _days_ago(done_late, deadline=today - timedelta(days=3), status="resolved", resolution_note="已修复")
    ongoing = _case(client, world, category="ongoing").json["id"]
    step_late = _case(client, world, category="ongoing").json["id"]
    step = client.post(f"/api/v1/cases/{step_late}/milestones", json={"title": "招标", "due_on": (
        today + timedelta(days=5)).isoformat()}, headers=world.headers(world.worker_a)).json["id"]
    db.session.execute(db.text("UPDATE case_milestones SET due_on = :day WHERE id = :id"),
                       {"day": today - timedelta(days=1), "id": step})
    db.session.commit()
    every = {late, on_time, done_late, ongoing, step_late}
    assert _ids(client, world, overdue="true") == {late, step_late}
    assert _ids(client, world, overdue="false") == every - {late, step_late}
    assert {cid for cid in every if _get(client, world, cid)["overdue"]} == {late, step_late}
    listed = client.get("/api/v1/cases?overdue=true", headers=world.headers(world.admin)).json
    assert listed["total"] == len(listed["items"]) == 2
