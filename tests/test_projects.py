"""城乡供水一体化 projects: a project's 进度表 back-scheduled from its target, funds, a 通水验收 that puts a village's
households on piped supply (needs worked out again, agreements no longer needed ended 已通自来水, planned
deliveries after that day called off, a visit due), the share of monitored households on integrated supply at every
level, and a milestone past due counted as overdue work of the lead unit."""
import re
from datetime import timedelta

from models import Agreement, Delivery, Household, db
from service.clock import local_today
from service.context import current_rules
from service.domain.dashboard import dashboard
from service.domain.scope import Scope

from .conftest import make_agreement, make_household
from .helpers import csrf_token, login, text_of


def _unit(client, world):
    """The county's 水利局 (registered once)."""
    h = world.headers(world.admin)
    found = [u for u in client.get("/api/v1/units", headers=h).json["items"] if u["name"] == "县水利局"]
    if found:
        return found[0]["id"]
    answer = client.post("/api/v1/units", json={"name": "县水利局", "kind": "department"}, headers=h)
    assert answer.status_code == 201, answer.json
    return answer.json["id"]


def _project(client, world, **values):
    body = {"name": "城关镇城乡供水一体化工程", "township_id": world.t_a.id, "lead_unit_id": _unit(client, world),
            "target_on": (local_today() + timedelta(days=200)).isoformat(), "budget_wan": 1200,
            "village_ids": [world.v_a1.id, world.v_a2.id], **values}
    return client.post("/api/v1/projects", json=body, headers=world.headers(world.admin))


def test_a_project_gets_the_standard_steps_back_scheduled_funds_and_a_progress_sheet(client, world):
    today = local_today()
    made = _project(client, world)
    assert made.status_code == 201, made.json
    project = made.json
    assert [m["title"] for m in project["milestones"]] == ["前期工作", "招标", "迁占", "施工", "验收", "通水"]
    dues = [m["due_on"] for m in project["milestones"]]
    assert dues == sorted(dues) and dues[-1] == project["target_on"] and dues[0] > today.isoformat()
    assert [v["name"] for v in project["villages"]] == ["张家村", "李家村"]
    h = world.headers(world.admin)
    for day, amount, source in ((today - timedelta(days=20), 500, "中央预算内投资"), (today, 180.5, "县级配套")):
        assert client.post(f"/api/v1/projects/{project['id']}/funds", headers=h, json={
            "received_on": day.isoformat(), "amount_wan": amount, "source": source}).status_code == 201
    assert client.get(f"/api/v1/projects/{project['id']}", headers=h).json["received_wan"] == 680.5
    ahead = client.post(f"/api/v1/projects/{project['id']}/funds", headers=h, json={
        "received_on": (today + timedelta(days=1)).isoformat(), "amount_wan": 1, "source": "省级补助"})
    assert ahead.status_code == 422 and "received_on" in ahead.json["errors"]["json"]
    # Refusals name their field; another township's village is not this township's project's.
    past = _project(client, world, target_on=(today - timedelta(days=1)).isoformat(), name="旧工程")
    assert past.status_code == 422 and "target_on" in past.json["errors"]["json"]
    elsewhere = _project(client, world, village_ids=[world.v_b1.id], name="跨镇工程")
    assert elsewhere.status_code == 422 and "village_ids" in elsewhere.json["errors"]["json"]
    assert client.get(f"/api/v1/projects/{project['id']}", headers=world.headers(world.worker_b)).status_code == 404
    assert client.post(f"/api/v1/projects/{project['id']}/funds", headers=world.headers(world.worker_a), json={
        "received_on": today.isoformat(), "amount_wan": 1, "source": "x"}).status_code == 403
    # The 进度表 prints in Chinese with its steps and funds, and verifies.
    pdf = client.get(f"/reports/projects/{project['id']}/progress.pdf", headers=h)
    assert pdf.status_code == 200
    text = text_of(pdf.data)[0]
    flat = re.sub(r"\s+", "", text)
    assert "城关镇城乡供水一体化工程进度表" in flat and "迁占" in flat and "中央预算内投资" in flat
    assert "已到位680.5万元，总投资1200万元" in flat
    code = re.search(r"核验码\s*([0-9A-F]{16})", text).group(1)
    assert client.get(f"/verify/{code}", headers=h).json["status"] == "match"


def test_a_connection_puts_a_village_on_piped_supply_and_ends_the_agreements_no_longer_needed(client, world):
    today = local_today()
    far = make_household(world, 1, distance_m=1500.0)  # needs delivery only because of the distance
    frail = make_household(world, 2, distance_m=1500.0, self_care=False)  # still needs someone to bring it
    near = make_household(world, 3, distance_m=100.0)
    elsewhere = make_household(world, 4, distance_m=1500.0, village=world.v_a2)
    ended = make_agreement(world, far, interval_days=1, start_on=today - timedelta(days=10),
                           signed_on=today - timedelta(days=11))
    kept = make_agreement(world, frail, interval_days=1, start_on=today - timedelta(days=10),
                          signed_on=today - timedelta(days=11))
    for n in range(-1, 4):
        for agreement, household in ((ended, far), (kept, frail)):
            db.session.add(Delivery(household_id=household.id, agreement_id=agreement.id,
                                    scheduled_for=today + timedelta(days=n), status="planned"))
    db.session.commit()
    project = _project(client, world).json
    rules = current_rules()

    def figures():
        return dashboard(db.session, Scope(), rules.today, rules.thresholds, world.t_a.id)["overall"]

    before = figures()
    assert (before["needs_delivery"], before["active_agreements"], before["integrated"]) == (3, 2, 0)
    h = world.headers(world.admin)
    connected = client.post(f"/api/v1/projects/{project['id']}/connections", headers=h, json={
        "village_id": world.v_a1.id, "connected_on": today.isoformat(), "note": "管网入户，验收合格"})
    assert connected.status_code == 201, connected.json
    assert (connected.json["households"], connected.json["agreements_ended"], connected.json["partial"]) == \
        (3, 1, False)
    db.session.expire_all()
    agreement = db.session.get(Agreement, ended.id)
    assert (agreement.status, agreement.end_reason, agreement.end_on) == ("terminated", "piped_supply", today)
    assert db.session.get(Agreement, kept.id).status == "active"  # no self-care: still brought to the door
    statuses = {(d.agreement_id, d.scheduled_for): d.status for d in db.session.query(Delivery)}
    assert statuses[(ended.id, today)] == "planned" and statuses[(ended.id, today + timedelta(days=1))] == "cancelled"
    assert statuses[(kept.id, today + timedelta(days=1))] == "planned"
    # The households, counted twice: the dashboard and the lists it links to.
    after = figures()
    assert (after["needs_delivery"], after["active_agreements"], after["integrated"]) == (2, 1, 3)
    assert after["integrated_share"] == 75.0  # 3 of the township's 4 monitored households
    headers = world.headers(world.worker_a)
    piped = client.get("/api/v1/households?piped=true", headers=headers).json
    assert sorted(item["id"] for item in piped["items"]) == sorted([far.id, frail.id, near.id])
    assert client.get(f"/api/v1/households/{far.id}", headers=headers).json["needs_delivery"] is False
    needing = client.get("/api/v1/households?needs_delivery=true", headers=headers).json
    assert sorted(item["id"] for item in needing["items"]) == sorted([frail.id, elsewhere.id])
    due = client.get("/api/v1/households?visit_due=true", headers=headers).json
    assert due["total"] == 3  # the four indicators to confirm
    login(client, "worker_a")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "75%" in page and 'id="integrated-tile"' in page
    # The county ranks its townships by it (城关镇 first; 河口镇 has no household to count).
    login(client, "admin")
    ranking = client.get("/dashboard").get_data(as_text=True).split('id="integrated-ranking"')[1].split("</ol>")[0]
    assert re.findall(r"<span>(\S+)</span> <b>([\d.]+%)</b>", ranking) == [("城关镇", "75%")]
    # A village connected in part: only the households named.
    partial = client.post(f"/api/v1/projects/{project['id']}/connections", headers=h, json={
        "village_id": world.v_a2.id, "connected_on": today.isoformat(), "household_ids": [far.id]})
    assert partial.status_code == 422 and "household_ids" in partial.json["errors"]["json"]
    partial = client.post(f"/api/v1/projects/{project['id']}/connections", headers=h, json={
        "village_id": world.v_a2.id, "connected_on": today.isoformat(), "household_ids": [elsewhere.id]})
    assert partial.status_code == 201 and partial.json["partial"] is True and partial.json["households"] == 1
    assert db.session.get(Household, elsewhere.id).piped_since == today
    outside = client.post(f"/api/v1/projects/{project['id']}/connections", headers=h, json={
        "village_id": world.v_b1.id, "connected_on": today.isoformat()})
    assert outside.status_code == 422 and "village_id" in outside.json["errors"]["json"]


def test_a_step_past_due_is_overdue_work_of_the_lead_unit(client, world):
    today = local_today()
    project = _project(client, world).json
    h = world.headers(world.admin)
    first = project["milestones"][0]
    moved = client.patch(f"/api/v1/projects/{project['id']}/milestones/{first['id']}", headers=h,
                         json={"due_on": (today - timedelta(days=3)).isoformat()})
    assert moved.status_code == 200 and moved.json["overdue"] is True
    late = client.get("/api/v1/projects?overdue=true", headers=h).json
    assert [p["id"] for p in late["items"]] == [project["id"]]
    assert client.get("/api/v1/projects?overdue=false", headers=h).json["total"] == 0
    second = project["milestones"][1]
    assert client.patch(f"/api/v1/projects/{project['id']}/milestones/{second['id']}", headers=h,
                        json={"due_on": (today - timedelta(days=1)).isoformat()}).status_code == 200
    # The units page counts the projects late (one, with two steps late), and its link lists exactly those.
    login(client, "admin")
    units = client.get("/units").get_data(as_text=True)
    link = re.search(r'id="late-projects-\d+" href="([^"]+)">一体化项目有节点逾期 (\d+) 个', units)
    assert link and link.group(2) == "1"
    listed = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "共 1 个" in listed and project["name"] in listed
    assert client.patch(f"/api/v1/projects/{project['id']}/milestones/{second['id']}", headers=h,
                        json={"done_on": today.isoformat()}).status_code == 200
    ledger = client.get(f"/reports/units/{project['lead_unit_id']}/ledger.pdf", headers=h)
    flat = re.sub(r"\s+", "", text_of(ledger.data)[0])
    assert "城乡供水一体化逾期节点1个" in flat and "前期工作" in flat
    done = client.patch(f"/api/v1/projects/{project['id']}/milestones/{first['id']}", headers=h,
                        json={"done_on": today.isoformat()})
    assert done.status_code == 200 and done.json["overdue"] is False
    assert client.get("/api/v1/projects?overdue=true", headers=h).json["total"] == 0


def test_projects_are_made_and_worked_from_the_pages(client, world):
    unit = _unit(client, world)
    make_household(world, 1, distance_m=1500.0)
    db.session.commit()
    login(client, "admin")
    token = csrf_token(client, "/projects/new")
    made = client.post("/projects/new", data={
        "csrf_token": token, "name": "张家村供水工程", "township_id": str(world.t_a.id), "lead_unit_id": str(unit),
        "target_on": (local_today() + timedelta(days=90)).isoformat(), "budget_wan": "300",
        "village_ids": [str(world.v_a1.id)]})
    assert made.status_code == 302, made.get_data(as_text=True)
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "张家村供水工程" in page and "通水" in page and "登记通水验收" in page
    project_id = int(made.headers["Location"].rstrip("/").split("/")[-1])
    empty = client.post("/projects/new", data={"csrf_token": token, "name": "无村工程", "township_id": str(world.t_a.id),
                                               "lead_unit_id": str(unit),
                                               "target_on": (local_today() + timedelta(days=9)).isoformat()})
    assert empty.status_code == 422 and 'data-field="village_ids"' in empty.get_data(as_text=True)
    connected = client.post(f"/projects/{project_id}/connections", data={
        "csrf_token": token, "village_id": str(world.v_a1.id), "connected_on": local_today().isoformat()})
    assert connected.status_code == 302
    listed = client.get("/projects").get_data(as_text=True)
    assert "已通水 1/1 个村" in listed
