"""Field forms sent from the phone (报修, 恢复正常, 报告问题, 入户排查, 整改进展): each made once by its key, with the
tap's time on the server's clock, the phone's clock and position kept and shown on the record's page."""
import io
from datetime import datetime, timedelta, timezone

from PIL import Image
from sqlalchemy import func, select

from models import Case, CaseEvent, CaseEvidence, FieldReport, Visit, db
from service.clock import local_today

from .conftest import make_agreement, make_household
from .helpers import csrf_token, login


def _photo() -> bytes:
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), "green").save(picture, "JPEG")
    return picture.getvalue()


def _send(client, path, form, phone_ahead=timedelta(0), waited=timedelta(0), photo=None, later=False, **position):
    """The form as the phone's queue sends it: its key, the tap's time and the sending's time by the phone's clock
    (`phone_ahead` of the server's), `waited` between them."""
    phone_now = datetime.now(timezone.utc) + phone_ahead
    data = {"csrf_token": csrf_token(client, "/households"), "tapped_at": str(int((phone_now - waited).timestamp() * 1000)),
            **form, **{k: str(v) for k, v in position.items()}}
    if photo:
        data["photo"] = (io.BytesIO(photo), "photo.jpg")
    headers = {"Accept": "application/json", "X-Phone-Now": str(int(phone_now.timestamp() * 1000))}
    if later:
        headers["X-Sent-Later"] = "1"
    return client.post(path, data=data, headers=headers, content_type="multipart/form-data")


def _count(model, *where) -> int:
    found = db.session.scalar(select(func.count()).select_from(model).where(*where))
    db.session.rollback()
    return found


def test_a_problem_reported_from_the_phone_is_made_once_with_where_and_when(client, world):
    household = make_household(world, 1)
    db.session.commit()
    login(client, "cun_a1")
    form = {"idempotency_key": "k-problem-1", "kind": "other", "note": "水缸漏了"}
    first = _send(client, f"/households/{household.id}/problems", form, waited=timedelta(minutes=30),
                  photo=_photo(), later=True, lat=36.21234, lon=117.04321, accuracy=12)
    assert first.status_code == 201, first.json
    answer = first.json
    assert answer["key"] == "k-problem-1" and answer["kind"] == "problem" and answer["url"] == f"/cases/{answer['case_id']}"
    # The queue sends it again (its first answer lost on a weak signal): the same answer, nothing made twice.
    again = _send(client, f"/households/{household.id}/problems", form, photo=_photo(), later=True, lat=1, lon=1)
    assert again.status_code == 200 and again.json["case_id"] == answer["case_id"]
    assert _count(Case, Case.household_id == household.id) == 1
    assert _count(CaseEvidence, CaseEvidence.case_id == answer["case_id"]) == 1
    report = db.session.scalars(select(FieldReport)).one()
    assert (report.lat, report.lon, report.accuracy_m, report.sent_later) == (36.21234, 117.04321, 12.0, True)
    assert abs((report.received_at - report.tapped_at) - timedelta(minutes=30)) < timedelta(seconds=5)
    assert report.clock_offset_s == 0 and not report.clock_marked
    page = client.get(answer["url"]).get_data(as_text=True)
    shown = page.split('id="field-reports"')[1].split("</ul>")[0]
    assert "报告问题" in shown and "位置 36.21234, 117.04321（精度约 12 米）" in shown and "后来上传" in shown
    assert "clock-skew" not in shown
    # Nothing was flashed for a page nobody was looking at.
    assert "已报告" not in client.get("/households").get_data(as_text=True)


def test_a_phone_clock_off_by_more_than_ten_minutes_is_marked_and_its_tap_timed_by_the_server(client, world):
    login(client, "worker_a")
    facility = world.point_a1
    form = {"idempotency_key": "k-repair-1", "status": "broken", "note": "水泵不出水"}
    sent = _send(client, f"/facilities/{facility.id}/status", form, phone_ahead=timedelta(minutes=25),
                 waited=timedelta(minutes=5))
    assert sent.status_code == 201 and sent.json["case_id"], sent.json
    report = db.session.scalars(select(FieldReport)).one()
    assert report.clock_offset_s == 25 * 60 and report.clock_marked and report.lat is None
    assert abs((report.received_at - report.tapped_at) - timedelta(minutes=5)) < timedelta(seconds=5)
    page = client.get(f"/cases/{sent.json['case_id']}").get_data(as_text=True)
    assert "手机时钟快 25 分钟" in page and "没有位置（手机未提供）" in page
    # 恢复正常 from the phone goes to the same case.
    restored = _send(client, f"/facilities/{facility.id}/status", {"idempotency_key": "k-repair-2", "status": "working"})
    assert restored.status_code == 201 and restored.json["case_id"] == sent.json["case_id"]


def test_a_visit_and_a_progress_entry_from_the_phone_and_a_bad_position_named(client, world):
    household = make_household(world, 2, distance_m=200.0)
    household.created_at = datetime.now(timezone.utc) - timedelta(days=30)
    db.session.commit()
    login(client, "cun_a1")
    visit_form = {"idempotency_key": "k-visit-1", "visited_on": local_today().isoformat(),
                  "liters_per_person_day": "70", "quality": "met", "piped": "1", "assurance_percent": "98"}
    bad = _send(client, f"/households/{household.id}/visit", {**visit_form, "idempotency_key": "k-visit-0"},
                lat="north", lon=200)
    assert bad.status_code == 422 and set(bad.json["errors"]) >= {"lat", "lon"}, bad.json
    assert _count(Visit) == 0 and _count(FieldReport) == 0
    sent = _send(client, f"/households/{household.id}/visit", visit_form, lat=36.2, lon=117.1, accuracy=30)
    assert sent.status_code == 201 and sent.json["visit_id"], sent.json
    page = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert "位置 36.20000, 117.10000（约 30 米）" in page
    case = client.post("/api/v1/cases", json={"kind": "water_quality", "village_id": world.v_a1.id,
                                              "description": "水浑浊"}, headers=world.headers(world.worker_a)).json
    login(client, "worker_a")
    progress = _send(client, f"/cases/{case['id']}/progress", {"idempotency_key": "k-progress-1",
                                                               "progress": "已联系水厂"})
    assert progress.status_code == 201 and progress.json["case_id"] == case["id"]
    assert _send(client, f"/cases/{case['id']}/progress", {"idempotency_key": "k-progress-1",
                                                           "progress": "已联系水厂"}).status_code == 200
    events = client.get(f"/api/v1/cases/{case['id']}", headers=world.headers(world.worker_a)).json["progress"]
    assert [e["note"] for e in events] == ["已联系水厂"]


def test_a_village_s_pages_to_keep_are_listed_inside_the_scope_only(client, world):
    from models import User

    household = make_household(world, 3)
    db.session.execute(User.__table__.update().where(User.id == world.village_a1.id).values(staff_id=world.staff_a.id))
    db.session.commit()
    here = client.post("/api/v1/cases", json={"kind": "other", "village_id": world.v_a1.id, "description": "水源地垃圾"},
                       headers=world.headers(world.worker_a)).json["id"]
    there = client.post("/api/v1/cases", json={"kind": "other", "village_id": world.v_a2.id, "description": "管道漏水",
                                                "assignee_id": world.staff_a.id},
                        headers=world.headers(world.worker_a)).json["id"]
    login(client, "cun_a1")
    listed = client.get(f"/villages/{world.v_a1.id}/offline.json").json
    assert listed["name"] == "张家村"
    assert {f"/villages/{world.v_a1.id}", f"/households/{household.id}", f"/households/{household.id}/visit",
            f"/facilities/{world.point_a1.id}"} <= set(listed["urls"])
    # 整改进展 without signal: the village's cases still being worked go along, and the user's own it may see (a
    # village login sees no other village's, assigned or not).
    assert {f"/cases/{here}", "/cases/mine"} <= set(listed["urls"]) and f"/cases/{there}" not in listed["urls"]
    for url in listed["urls"]:
        assert client.get(url).status_code == 200, url
    assert client.get(f"/villages/{world.v_b1.id}/offline.json").status_code == 404


def test_a_key_past_100_characters_is_refused_not_cut_and_a_reused_key_with_another_report_is_refused(client, world):
    """Two reports whose keys differ after character 100 were one (the second lost); the same key with another
    report answered as the first. Both are refused now, in Chinese, and nothing is made."""
    household = make_household(world, 3)
    db.session.commit()
    login(client, "cun_a1")
    path = f"/households/{household.id}/problems"
    long_key = "k" * 100
    refused = _send(client, path, {"idempotency_key": long_key + "-first", "kind": "other", "note": "水缸漏了"})
    assert refused.status_code == 422 and "最多 100 个字符" in str(refused.json["errors"]["idempotency_key"])
    assert _count(Case) == 0 and _count(FieldReport) == 0
    first = _send(client, path, {"idempotency_key": "k-reused", "kind": "other", "note": "水缸漏了"})
    assert first.status_code == 201
    other = _send(client, path, {"idempotency_key": "k-reused", "kind": "other", "note": "水管冻裂了"})
    assert other.status_code == 422 and "内容不同" in str(other.json["errors"]["idempotency_key"])
    # The same report again (its first answer lost) is still answered as the first.
    again = _send(client, path, {"idempotency_key": "k-reused", "kind": "other", "note": "水缸漏了"}, lat=36.1, lon=117.2)
    assert again.status_code == 200 and again.json["case_id"] == first.json["case_id"]
    assert _count(Case) == 1


def test_a_reused_key_with_other_litres_on_the_delivery_page_is_refused(client, world):
    from models import Delivery

    planned = []
    for serial in (4, 5):
        household = make_household(world, serial, distance_m=1500.0)
        agreement = make_agreement(world, household, start_on=local_today(), signed_on=local_today())
        planned.append(Delivery(agreement_id=agreement.id, household_id=household.id, scheduled_for=local_today(),
                                status="planned"))
    db.session.add_all(planned)
    db.session.commit()
    login(client, "cun_a1")
    sent = _send(client, f"/deliveries/{planned[0].id}/complete", {"idempotency_key": "k-tap", "liters": "100"})
    assert sent.status_code == 201
    other = _send(client, f"/deliveries/{planned[0].id}/complete", {"idempotency_key": "k-tap", "liters": "80"})
    assert other.status_code == 422
    elsewhere = _send(client, f"/deliveries/{planned[1].id}/complete", {"idempotency_key": "k-tap", "liters": "100"})
    assert elsewhere.status_code == 422
    assert db.session.get(Delivery, planned[1].id).status == "planned"


def test_what_a_queued_report_made_is_dated_by_its_tap_and_marked_reported_later(client, world):
    from models import FacilityStatusChange, Visit
    from service.clock import local_time

    household = make_household(world, 6, lat=36.0005, lon=117.0005)
    household.created_at = datetime.now(timezone.utc) - timedelta(days=30)
    db.session.commit()
    login(client, "worker_a")
    two_hours = timedelta(hours=2)
    problem = _send(client, f"/households/{household.id}/problems", {"idempotency_key": "k-late-1", "kind": "other",
                                                                     "note": "水管冻裂"}, waited=two_hours, later=True)
    repair = _send(client, f"/facilities/{world.point_a1.id}/status", {"idempotency_key": "k-late-2",
                                                                        "status": "broken", "note": "不出水"},
                   waited=two_hours, later=True)
    visit = _send(client, f"/households/{household.id}/visit", {
        "idempotency_key": "k-late-3", "visited_on": local_today().isoformat(), "quality": "met", "piped": "1",
        "liters_per_person_day": "70", "assurance_percent": "98"}, waited=two_hours, later=True)
    assert {problem.status_code, repair.status_code, visit.status_code} == {201}
    taps = {r.kind: r.tapped_at for r in db.session.scalars(select(FieldReport))}
    opened = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == problem.json["case_id"])).all()
    assert opened and all(e.at == taps["problem"] and e.reported_at is not None for e in opened)
    change = db.session.scalars(select(FacilityStatusChange).where(
        FacilityStatusChange.facility_id == world.point_a1.id)).all()[-1]
    assert change.at == taps["facility_status"] and change.reported_at - change.at > timedelta(minutes=110)
    made = db.session.get(Visit, visit.json["visit_id"])
    assert made.created_at == taps["visit"] and made.reported_at is not None
    # Each page shows the tap's time, and says when it was reported.
    for path, tapped in ((f"/cases/{problem.json['case_id']}", taps["problem"]),
                         (f"/facilities/{world.point_a1.id}", taps["facility_status"]),
                         (f"/households/{household.id}", taps["visit"])):
        page = client.get(path).get_data(as_text=True)
        assert local_time(tapped) in page and "补报" in page, path


def test_a_report_made_far_from_its_household_is_marked_for_checking(client, world):
    household = make_household(world, 7, lat=36.0005, lon=117.0005)
    db.session.commit()
    login(client, "cun_a1")
    near = _send(client, f"/households/{household.id}/problems", {"idempotency_key": "k-near", "kind": "other",
                                                                  "note": "水缸漏了"}, lat=36.001, lon=117.001)
    far = _send(client, f"/households/{household.id}/problems", {"idempotency_key": "k-far", "kind": "other",
                                                                 "note": "水管冻裂"}, lat=45.75, lon=126.65)
    distances = dict(db.session.execute(select(FieldReport.idempotency_key, FieldReport.distance_km)).all())
    assert distances["k-near"] < 1 and 1_000 < distances["k-far"] < 1_500
    assert "请核实" not in client.get(near.json["url"]).get_data(as_text=True)
    assert "请核实" in client.get(far.json["url"]).get_data(as_text=True)
