"""Scope: every read and every write of the API, walked from its OpenAPI document, for every role that is limited to
a place, against records of a place outside it. A read answers 404, a write is refused, and nothing changes; the same
write inside the place succeeds, so that each refusal is the scope's and not a bad body's."""
import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from models import (Case, CaseEvidence, CaseMilestone, Delivery, Emergency, Project, ProjectMilestone, ProjectVillage,
                    Recheck, RecheckItem, Region, ReportVerification,
                    SpotCheck, SpotCheckHousehold, Staff, Unit, User, WaterTest, db)
from models import utcnow
from service.clock import local_today

from .conftest import _PASSWORD_HASH, make_agreement, make_household, valid_id
from .helpers import PNG

WRITES = ("post", "patch", "put", "delete")
NOT_PLACED = {("post", "/api/v1/auth/token"), ("post", "/api/v1/auth/revoke")}  # a login's own, in no place


def _region(name, code, level, parent=None):
    region = Region(name=name, code=code, level=level, parent_id=parent.id if parent else None)
    db.session.add(region)
    db.session.flush()
    return region


def _place(world, township, village, county, city, serial):
    """The records of one place, each of a kind a write or a read can name."""
    s = db.session
    household = make_household(world, serial, village=village, distance_m=1500.0, phone="+8613800001%03d" % serial)
    spare = make_household(world, serial + 1, village=village, distance_m=1600.0)  # needs an agreement
    staff = Staff(name="送水员", phone="+8613900002%03d" % serial, role="village_staff", township_id=township.id,
                  village_id=village.id)
    s.add(staff)
    s.flush()
    agreement = make_agreement(world, household, provider_id=staff.id, start_on=local_today() - timedelta(days=7))
    planned = Delivery(agreement_id=agreement.id, household_id=household.id, scheduled_for=local_today(),
                       status="planned")
    tomorrow = Delivery(agreement_id=agreement.id, household_id=household.id,
                        scheduled_for=local_today() + timedelta(days=1), status="planned")
    delivered = Delivery(agreement_id=agreement.id, household_id=household.id, status="delivered",
                         scheduled_for=local_today() - timedelta(days=1), delivered_at=utcnow() - timedelta(days=1),
                         liters=100, confirmation="no_phone")
    case = Case(kind="other", township_id=township.id, village_id=village.id, household_id=household.id,
                title="测试问题", severity="low", lead_unit=township.name, deadline=local_today() + timedelta(days=7),
                status="open", source="self_check", category="deadline")
    unit = Unit(name=f"{township.name}办公室", kind="township", township_id=township.id)
    department = Unit(name="县水利局", kind="department", county_id=county.id)
    test = WaterTest(facility_id=world.point_a1.id if township is world.t_a else world.point_b1.id,
                     township_id=township.id, village_id=village.id, sampled_on=local_today(), sample_point="source",
                     results={"turbidity": 0.5}, passed=True, exceedances=[], standard="GB 5749-2022",
                     relaxed=False)
    s.add_all([planned, tomorrow, delivered, case, unit, department, test])
    s.flush()
    evidence = CaseEvidence(case_id=case.id, filename="e.png", path=f"missing/e{serial}.png", content_type="image/png")
    milestone = CaseMilestone(case_id=case.id, title="招标", due_on=local_today() + timedelta(days=3))
    finished = Case(kind="other", township_id=township.id, village_id=village.id, title="已销号问题", severity="low",
                    lead_unit=township.name, deadline=local_today(), status="verified", source="self_check",
                    category="deadline", resolution_note="已整改", standard="恢复正常")
    s.add_all([evidence, milestone, finished])
    s.flush()
    recheck = Recheck(township_id=township.id, chosen_by={}, items=[RecheckItem(
        case_id=finished.id, township_id=township.id, village_id=village.id, standard="恢复正常")])
    spot = SpotCheck(township_id=township.id, size=1, seed="s", households=[SpotCheckHousehold(
        household_id=household.id, township_id=township.id, village_id=village.id)])
    printout = ReportVerification(code=f"{serial:016X}", kind="household_deliveries", subject_id=household.id,
                                  params={"from": "2026-01-01", "to": "2026-01-31"}, township_id=township.id)
    project = Project(name=f"{township.name}一体化工程", township_id=township.id, lead_unit_id=unit.id,
                      target_on=local_today() + timedelta(days=100), villages=[ProjectVillage(village_id=village.id)],
                      milestones=[ProjectMilestone(title="招标", due_on=local_today() + timedelta(days=30))])
    emergency = Emergency(kind="drought", started_on=local_today(), liters_per_person=35, villages=[village],
                          team=[staff])
    s.add_all([recheck, spot, printout, project, emergency])
    s.flush()
    facility = world.point_a1 if township is world.t_a else world.point_b1
    return SimpleNamespace(township=township.id, village=village.id, county=county.id, city=city.id,
                           household=household.id, spare=spare.id, staff=staff.id, agreement=agreement.id,
                           planned=planned.id, tomorrow=tomorrow.id, delivered=delivered.id, case=case.id, evidence=evidence.id, milestone=milestone.id,
                           finished=finished.id, recheck=recheck.id, spot=spot.id, printout=printout.code,
                           unit=unit.id, department=department.id, test=test.id, facility=facility.id, serial=serial,
                           township_name=township.name, village_name=village.name, county_code=county.code,
                           project=project.id, project_step=project.milestones[0].id, emergency=emergency.id)


@pytest.fixture
def places(world):
    """Township A in county X (city C1, province P); township B in county Y (city C2, province P2). Every limited
    login works in A, and B is outside every one of them."""
    p = _region("山东省", "370000", "province")
    c1 = _region("济南市", "370100", "city", p)
    x = _region("历下区", "370102", "county", c1)
    p2 = _region("河南省", "410000", "province")
    c2 = _region("郑州市", "410100", "city", p2)
    y = _region("中原区", "410102", "county", c2)
    world.t_a.county_id, world.t_b.county_id = x.id, y.id
    inside = _place(world, world.t_a, world.v_a1, x, c1, 10)
    outside = _place(world, world.t_b, world.v_b1, y, c2, 20)
    logins = {"county_x": ("county_admin", x.id), "city_c1": ("city_admin", c1.id),
              "province_p": ("province_admin", p.id)}
    users = {name: User(username=name, role=role, region_id=region_id, password_hash=_PASSWORD_HASH)
             for name, (role, region_id) in logins.items()}
    db.session.add_all(users.values())
    db.session.commit()
    users["unit_x"] = User(username="unit_x", role="unit_staff", unit_id=inside.department, password_hash=_PASSWORD_HASH)
    db.session.add(users["unit_x"])
    db.session.commit()
    users.update(lead_a=world.lead_a, worker_a=world.worker_a, cun_a1=world.village_a1)
    return SimpleNamespace(inside=inside, outside=outside, users=users, province_p2=p2.id)


def _file(name="scan.png", data=PNG):
    return {"file": (io.BytesIO(data), name)}


def _roster(o):
    text = ("镇街,村,户主姓名,身份证号,家庭人口,能否自理\n"
            f"{o.township_name},{o.village_name},新户{o.serial},{valid_id(o.serial + 5)},2,是\n")
    return {"file": (io.BytesIO(text.encode("utf-8")), "households.csv")}


# (method, OpenAPI path) -> (the path with the place's ids, the request's keyword arguments), for a place `o`.
WRITE_REQUESTS = {
    ("post", "/api/v1/townships"): lambda o: (
        "/api/v1/townships", {"json": {"name": f"新镇{o.serial}", "code": f"9{o.serial}", "county_id": o.county}}),
    ("patch", "/api/v1/townships/{record_id}"): lambda o: (
        f"/api/v1/townships/{o.township}", {"json": {"name": f"改名镇{o.serial}"}}),
    ("post", "/api/v1/villages"): lambda o: ("/api/v1/villages", {"json": {"township_id": o.township, "name": "新村"}}),
    ("patch", "/api/v1/villages/{record_id}"): lambda o: (
        f"/api/v1/villages/{o.village}", {"json": {"name": f"改名村{o.serial}"}}),
    ("post", "/api/v1/households"): lambda o: ("/api/v1/households", {"json": {
        "village_id": o.village, "head_name": "新户", "id_number": valid_id(o.serial + 2), "members": 2,
        "self_care": True}}),
    ("patch", "/api/v1/households/{record_id}"): lambda o: (
        f"/api/v1/households/{o.household}", {"json": {"members": 5}}),
    ("post", "/api/v1/facilities"): lambda o: ("/api/v1/facilities", {"json": {
        "village_id": o.village, "kind": "well", "name": "新井", "ownership": "public", "status": "working"}}),
    ("patch", "/api/v1/facilities/{record_id}"): lambda o: (
        f"/api/v1/facilities/{o.facility}", {"json": {"responsible_unit": "改了的单位"}}),
    ("post", "/api/v1/staff"): lambda o: ("/api/v1/staff", {"json": {
        "name": "新人", "phone": "+86139000030%02d" % o.serial, "role": "village_staff", "township_id": o.township,
        "village_id": o.village}}),
    ("patch", "/api/v1/staff/{record_id}"): lambda o: (f"/api/v1/staff/{o.staff}", {"json": {"name": "改名"}}),
    ("post", "/api/v1/agreements"): lambda o: ("/api/v1/agreements", {"json": {
        "household_id": o.spare, "provider_id": o.staff, "reason": "distance", "interval_days": 7,
        "liters_per_delivery": 100, "start_on": local_today().isoformat()}}),
    ("patch", "/api/v1/agreements/{record_id}"): lambda o: (
        f"/api/v1/agreements/{o.agreement}", {"json": {"liters_per_delivery": 120}}),
    ("post", "/api/v1/agreements/{record_id}/scan"): lambda o: (
        f"/api/v1/agreements/{o.agreement}/scan", {"data": _file(), "content_type": "multipart/form-data"}),
    ("post", "/api/v1/deliveries"): lambda o: (
        "/api/v1/deliveries", {"json": {"household_id": o.household, "liters": 50}}),
    ("patch", "/api/v1/deliveries/{delivery_id}"): lambda o: (
        f"/api/v1/deliveries/{o.tomorrow}", {"json": {"note": "改期"}}),
    ("delete", "/api/v1/deliveries/{delivery_id}"): lambda o: (f"/api/v1/deliveries/{o.planned}", {}),
    ("post", "/api/v1/deliveries/{delivery_id}/complete"): lambda o: (
        f"/api/v1/deliveries/{o.planned}/complete", {"json": {"liters": 60}}),
    ("post", "/api/v1/deliveries/{delivery_id}/corrections"): lambda o: (
        f"/api/v1/deliveries/{o.delivered}/corrections", {"json": {"reason": "记错了", "liters": 90}}),
    ("post", "/api/v1/deliveries/{delivery_id}/photo"): lambda o: (
        f"/api/v1/deliveries/{o.delivered}/photo", {"data": _file(), "content_type": "multipart/form-data"}),
    ("post", "/api/v1/cases"): lambda o: ("/api/v1/cases", {"json": {
        "kind": "other", "household_id": o.household, "title": "新问题", "severity": "low"}}),
    ("patch", "/api/v1/cases/{record_id}"): lambda o: (f"/api/v1/cases/{o.case}", {"json": {"measures": "更换滤芯"}}),
    ("post", "/api/v1/cases/{record_id}/transitions"): lambda o: (
        f"/api/v1/cases/{o.case}/transitions", {"json": {"to": "in_progress", "note": "开始"}}),
    ("post", "/api/v1/cases/{record_id}/evidence"): lambda o: (
        f"/api/v1/cases/{o.case}/evidence", {"data": _file(), "content_type": "multipart/form-data"}),
    ("post", "/api/v1/cases/{record_id}/progress"): lambda o: (
        f"/api/v1/cases/{o.case}/progress", {"json": {"note": "已联系维修"}}),
    ("post", "/api/v1/cases/{record_id}/milestones"): lambda o: (
        f"/api/v1/cases/{o.case}/milestones", {"json": {"title": "施工", "due_on": local_today().isoformat()}}),
    ("post", "/api/v1/rechecks"): lambda o: ("/api/v1/rechecks", {"json": {"township_id": o.township}}),
    ("post", "/api/v1/rechecks/{recheck_id}/results"): lambda o: (
        f"/api/v1/rechecks/{o.recheck}/results", {"json": {"case_id": o.finished, "passed": True, "note": "合格"}}),
    ("post", "/api/v1/printouts/{code}/signed"): lambda o: (
        f"/api/v1/printouts/{o.printout}/signed", {"data": _file(), "content_type": "multipart/form-data"}),
    ("post", "/api/v1/facilities/{record_id}/care"): lambda o: (
        f"/api/v1/facilities/{o.facility}/care", {"json": {"kind": "cleaning", "note": "清洗"}}),
    ("post", "/api/v1/spot-checks"): lambda o: ("/api/v1/spot-checks", {"json": {"township_id": o.township, "size": 1}}),
    ("post", "/api/v1/spot-checks/{spot_check_id}/findings"): lambda o: (
        f"/api/v1/spot-checks/{o.spot}/findings", {"json": {"household_id": o.household,
                                                              "visited_on": local_today().isoformat(),
                                                              "liters_per_person_day": 70}}),
    ("patch", "/api/v1/cases/{record_id}/milestones/{milestone_id}"): lambda o: (
        f"/api/v1/cases/{o.case}/milestones/{o.milestone}", {"json": {"done_on": local_today().isoformat()}}),
    ("post", "/api/v1/imports/{kind}"): lambda o: (
        "/api/v1/imports/households", {"data": _roster(o), "content_type": "multipart/form-data"}),
    ("post", "/api/v1/water-tests"): lambda o: ("/api/v1/water-tests", {"json": {
        "facility_id": o.facility, "sampled_on": local_today().isoformat(), "sample_point": "source",
        "results": {"turbidity": 0.4}}}),
    ("post", "/api/v1/units"): lambda o: ("/api/v1/units", {"json": {
        "name": f"新单位{o.serial}", "kind": "other", "township_id": o.township}}),
    ("patch", "/api/v1/units/{record_id}"): lambda o: (f"/api/v1/units/{o.unit}", {"json": {"phone": "0531-1234"}}),
    ("post", "/api/v1/households/{household_id}/visits"): lambda o: (
        f"/api/v1/households/{o.household}/visits", {"json": {
        "visited_on": local_today().isoformat(), "quality": "met", "round_trip_minutes": 5,
        "liters_per_person_day": 60, "assurance_percent": 100}}),
    ("post", "/api/v1/regions"): lambda o: ("/api/v1/regions", {"json": {
        "name": "新区", "code": f"{o.county_code[:4]}99", "level": "county", "parent_id": o.city}}),
    ("patch", "/api/v1/regions/{record_id}"): lambda o: (f"/api/v1/regions/{o.county}", {"json": {"name": "改名县"}}),
    ("post", "/api/v1/projects"): lambda o: ("/api/v1/projects", {"json": {
        "name": f"新工程{o.serial}", "township_id": o.township, "lead_unit_id": o.unit,
        "target_on": (local_today() + timedelta(days=90)).isoformat(), "village_ids": [o.village]}}),
    ("post", "/api/v1/projects/{project_id}/milestones"): lambda o: (
        f"/api/v1/projects/{o.project}/milestones", {"json": {"title": "验收", "due_on": local_today().isoformat()}}),
    ("patch", "/api/v1/projects/{project_id}/milestones/{milestone_id}"): lambda o: (
        f"/api/v1/projects/{o.project}/milestones/{o.project_step}", {"json": {"done_on": local_today().isoformat()}}),
    ("post", "/api/v1/projects/{project_id}/funds"): lambda o: (f"/api/v1/projects/{o.project}/funds", {"json": {
        "received_on": local_today().isoformat(), "amount_wan": 10, "source": "县级配套"}}),
    ("post", "/api/v1/projects/{project_id}/connections"): lambda o: (
        f"/api/v1/projects/{o.project}/connections", {"json": {"village_id": o.village, "household_ids": [o.spare],
                                                                "connected_on": local_today().isoformat()}}),
    ("post", "/api/v1/emergencies"): lambda o: ("/api/v1/emergencies", {"json": {
        "kind": "outage", "village_ids": [o.village], "started_on": local_today().isoformat(), "team": [o.staff]}}),
    ("post", "/api/v1/emergencies/{emergency_id}/end"): lambda o: (f"/api/v1/emergencies/{o.emergency}/end", {"json": {}}),
}
# Writes a place-bound route also takes in another shape: a county's department and its units.
EXTRA_WRITES = {
    "department": lambda o: ("post", "/api/v1/units", {"json": {
        "name": f"新局{o.serial}", "kind": "department", "county_id": o.county}}),
    "department_patch": lambda o: ("patch", f"/api/v1/units/{o.department}", {"json": {"phone": "0531-9999"}}),
    "case_naming_units": lambda o: ("post", "/api/v1/cases", {"json": {
        "kind": "other", "household_id": o.household_in, "title": "点名单位", "lead_unit_id": o.department}}),
}
# Who makes each write inside the place, to show that its body is good; a delete is refused everywhere.
CONTROL_WRITER = {("post", "/api/v1/regions"): "admin", ("patch", "/api/v1/regions/{record_id}"): "county_x",
                  ("delete", "/api/v1/deliveries/{delivery_id}"): None}

READ_PATHS = {
    "/api/v1/townships/{record_id}": "township", "/api/v1/villages/{record_id}": "village",
    "/api/v1/households/{record_id}": "household", "/api/v1/facilities/{record_id}": "facility",
    "/api/v1/facilities/{record_id}/water-tests": "facility",
    "/api/v1/staff/{record_id}": "staff", "/api/v1/agreements/{record_id}": "agreement",
    "/api/v1/agreements/{record_id}/scan": "agreement", "/api/v1/deliveries/{delivery_id}": "planned",
    "/api/v1/cases/{record_id}": "case", "/api/v1/water-tests/{test_id}": "test", "/api/v1/units/{record_id}": "unit",
    "/api/v1/rechecks/{recheck_id}": "recheck", "/api/v1/townships/{record_id}/archive-gaps": "township", "/api/v1/spot-checks/{spot_check_id}": "spot",
    "/api/v1/projects/{project_id}": "project", "/api/v1/emergencies/{emergency_id}": "emergency",
}
PUBLIC_READS = {"/api/v1/regions/{record_id}"}  # the names of the regions above are no one's secret


def _spec_operations(client, methods):
    spec = client.get("/api/v1/openapi.json").json
    return {(method, path) for path, operations in spec["paths"].items() for method in operations
            if method in methods}


def _fingerprint():
    """Every table's row count and latest change: equal before and after means nothing was written."""
    prints = []
    for table in db.metadata.sorted_tables:
        columns = [func.count()]
        if "updated_at" in table.c:
            columns.append(func.max(table.c.updated_at))
        prints.append((table.name, tuple(db.session.execute(select(*columns).select_from(table)).one())))
    db.session.rollback()
    return prints


def test_every_write_is_walked_and_refused_outside_the_writer_s_place(client, world, places):
    operations = _spec_operations(client, WRITES) - NOT_PLACED
    assert operations == set(WRITE_REQUESTS), "a write without its scope row: add it to WRITE_REQUESTS"
    outside, inside = places.outside, places.inside
    outside.household_in = inside.household
    refused = []
    for name, user in places.users.items():
        headers = world.headers(user)
        requests = [(m, *WRITE_REQUESTS[(m, p)](outside)) for m, p in sorted(WRITE_REQUESTS)]
        requests += [extra(outside) for extra in EXTRA_WRITES.values()]
        for method, path, kwargs in requests:
            before = _fingerprint()
            answer = client.open(path, method=method.upper(), headers=headers, **kwargs)
            if answer.status_code < 400 or answer.status_code >= 500 or _fingerprint() != before:
                refused.append((name, method, path, answer.status_code, answer.get_data(as_text=True)[:200]))
    assert refused == []

    # The same writes inside the place, by one who may make them, succeed (the renames last: a roster names the
    # place).
    inside.household_in = inside.household
    failed = []
    for (method, spec_path), make in sorted(WRITE_REQUESTS.items(), key=lambda row: row[0][0] != "post"):
        writer = CONTROL_WRITER.get((method, spec_path), "county_x")
        if writer is None:
            continue
        user = world.admin if writer == "admin" else places.users[writer]
        path, kwargs = make(inside)
        answer = client.open(path, method=method.upper(), headers=world.headers(user), **kwargs)
        if answer.status_code >= 300:
            failed.append((method, path, answer.status_code, answer.get_data(as_text=True)[:300]))
    for extra in EXTRA_WRITES.values():
        method, path, kwargs = extra(inside)
        answer = client.open(path, method=method.upper(), headers=world.headers(places.users["county_x"]), **kwargs)
        if answer.status_code >= 300:
            failed.append((method, path, answer.status_code, answer.get_data(as_text=True)[:300]))
    assert failed == []


def test_every_read_of_a_record_outside_the_reader_s_place_is_a_404(client, world, places):
    readable = {path for method, path in _spec_operations(client, ("get",)) if "{" in path} - PUBLIC_READS
    # Templates and exports are lists (their filters are scoped as the lists are), not a record by its id.
    readable = {path for path in readable if not path.endswith(("/template.xlsx", "/export.{fmt}"))}
    evidence = "/api/v1/cases/{record_id}/evidence/{evidence_id}"
    assert readable == set(READ_PATHS) | {evidence}, "a read without its scope row: add it to READ_PATHS"
    o = places.outside
    paths = [spec.split("{")[0] + str(getattr(o, kind)) + spec.split("}", 1)[1] for spec, kind in READ_PATHS.items()]
    paths.append(f"/api/v1/cases/{o.case}/evidence/{o.evidence}")
    leaked = []
    for name, user in places.users.items():
        for path in paths:
            answer = client.get(path, headers=world.headers(user))
            # A unit's staff ask for nothing but cases: anything else is refused before it is looked up.
            if answer.status_code != 404 and not (name == "unit_x" and answer.status_code == 403
                                                  and not path.startswith("/api/v1/cases/")):
                leaked.append((name, path, answer.status_code))
    assert leaked == []
    # Inside, each is found (the agreement's scan and the evidence's file are simply absent: 404 by another reason).
    i = places.inside
    for spec, kind in READ_PATHS.items():
        if spec.endswith("/scan"):
            continue
        path = spec.split("{")[0] + str(getattr(i, kind)) + spec.split("}", 1)[1]
        assert client.get(path, headers=world.headers(places.users["county_x"])).status_code == 200, path


def test_a_county_s_departments_are_its_own(client, world, places):
    """Two counties may each have a 水利局; a county's users see and name only their county's."""
    x_admin = world.headers(places.users["county_x"])
    listed = client.get("/api/v1/units", headers=x_admin).json["items"]
    assert {u["id"] for u in listed} == {places.inside.unit, places.inside.department}
    assert client.get(f"/api/v1/units/{places.outside.department}", headers=x_admin).status_code == 404
    by_township = client.get("/api/v1/units", headers=world.headers(world.worker_a)).json["items"]
    assert places.outside.department not in {u["id"] for u in by_township}
    answer = client.post("/api/v1/cases", headers=world.headers(world.lead_a), json={
        "kind": "other", "household_id": places.inside.household, "title": "点名外县的局",
        "lead_unit_id": places.outside.department})
    assert answer.status_code == 422 and "lead_unit_id" in answer.json["errors"]["json"]
    assert db.session.scalar(select(func.count()).select_from(Unit).where(Unit.name == "县水利局")) == 2


def test_a_county_administrator_registers_townships_and_regions_only_in_its_county(client, world, places):
    x_admin = world.headers(places.users["county_x"])
    answer = client.post("/api/v1/townships", headers=x_admin, json={"name": "外县镇", "code": "410102100",
                                                                    "county_id": places.outside.county})
    assert answer.status_code == 403
    answer = client.post("/api/v1/regions", headers=x_admin, json={"name": "新省", "code": "420000",
                                                                  "level": "province"})
    assert answer.status_code == 403
    answer = client.post("/api/v1/townships", headers=x_admin, json={"name": "本县新镇", "code": "370102100"})
    assert answer.status_code == 201 and answer.json["county_id"] == places.inside.county
    # The whole database's administrator still registers anywhere.
    answer = client.post("/api/v1/regions", headers=world.headers(world.admin),
                         json={"name": "新省", "code": "420000", "level": "province"})
    assert answer.status_code == 201


def test_a_county_administrator_manages_the_logins_of_its_county_only(client, world, places):
    from service.domain.errors import Forbidden
    from service.domain.users import create_user, reset_password, set_active

    from .helpers import login

    x_admin = places.users["county_x"]
    for change in (lambda: reset_password(db.session, x_admin, "admin", "another-long-pass-77"),
                   lambda: set_active(db.session, x_admin, "worker_b", False),
                   lambda: create_user(db.session, "newb", "township_worker", "another-long-pass-77", "370102",
                                       actor=x_admin),
                   lambda: create_user(db.session, "newtop", "county_admin", "another-long-pass-77",
                                       region_code="410102", actor=x_admin)):
        with pytest.raises(Forbidden):
            change()
        db.session.rollback()
    made = create_user(db.session, "newa", "township_worker", "another-long-pass-77", "370101", actor=x_admin)
    assert made.township_id == world.t_a.id
    peer = create_user(db.session, "newx", "county_admin", "another-long-pass-77", actor=x_admin)
    assert peer.region_id == places.inside.county  # its own county, not the whole database
    db.session.commit()

    assert login(client, "county_x").status_code == 302
    page = client.get("/users").get_data(as_text=True)
    assert "worker_a" in page and "newa" in page
    assert "<strong>worker_b</strong>" not in page and "<strong>admin</strong>" not in page and "河口镇" not in page
