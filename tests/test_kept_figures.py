"""The dashboard's figures kept between visits: every write that changes a village's figures raises its revision in
the same transaction, so kept figures are always the figures worked out afresh (models/revision.py)."""
import base64
import re
from datetime import timedelta

from sqlalchemy import func, select

from models import Case, Delivery, Household, SmsMessage, Village, db
from service.clock import local_today
from service.context import current_rules
from service.domain.dashboard import KeptFigures, dashboard
from service.domain.deliveries import correct_delivery
from service.domain.scope import Scope
from service.domain.sms import expire_confirmations

from .conftest import make_agreement, make_household
from .helpers import login


def _revisions(world) -> dict:
    db.session.expire_all()
    return dict(db.session.execute(select(Village.name, Village.revision)).all())


def _kept_is_fresh(kept: KeptFigures) -> dict:
    """The county's dashboard through `kept`, after checking it equals the one worked out from nothing."""
    thresholds = current_rules().thresholds
    through_kept = dashboard(db.session, Scope(), local_today(), thresholds, None, kept)
    assert through_kept == dashboard(db.session, Scope(), local_today(), thresholds)
    return {v["village_name"]: v for v in through_kept["villages"]}


def test_a_write_raises_only_its_own_villages_revision_and_the_kept_figures_follow(world):
    kept = KeptFigures()
    assert _kept_is_fresh(kept)["张家村"]["needs_delivery"] == 0
    before = _revisions(world)
    make_household(world, 1, distance_m=1500.0)
    db.session.commit()
    after = _revisions(world)
    assert after["张家村"] == before["张家村"] + 1
    assert after["李家村"] == before["李家村"] and after["王庄村"] == before["王庄村"]
    assert _kept_is_fresh(kept)["张家村"]["needs_delivery"] == 1


def test_a_failed_water_source_raises_the_villages_of_the_households_it_serves(world):
    kept = KeptFigures()
    make_household(world, 1, water_source_id=world.point_b1.id)  # a 张家村 household fetching from 王庄村's point
    db.session.commit()
    assert _kept_is_fresh(kept)["张家村"]["needs_delivery"] == 0
    before = _revisions(world)
    world.point_b1.status = "broken"
    db.session.commit()
    after = _revisions(world)
    assert after["张家村"] == before["张家村"] + 1 and after["王庄村"] == before["王庄村"] + 1
    assert after["李家村"] == before["李家村"]
    assert _kept_is_fresh(kept)["张家村"]["needs_delivery"] == 1


def test_bulk_updates_and_corrections_reach_the_kept_figures(world):
    kept = KeptFigures()
    household = make_household(world, 1, distance_m=1500.0, members=2)
    today = local_today()
    agreement = make_agreement(world, household, interval_days=1, start_on=today - timedelta(days=40))
    for days_ago in range(1, 31):
        day = today - timedelta(days=days_ago)
        db.session.add(Delivery(household_id=household.id, agreement_id=agreement.id, scheduled_for=day,
                                status="delivered", liters=100, delivered_at=current_rules().now - timedelta(
                                    days=days_ago)))
    db.session.commit()
    assert _kept_is_fresh(kept)["张家村"]["supply_covered_days_30d"] == 30

    yesterday = db.session.scalar(select(Delivery.id).where(Delivery.scheduled_for == today - timedelta(days=1)))
    db.session.execute(Delivery.__table__.update().where(Delivery.id == yesterday)
                       .values(status="missed", liters=None, delivered_at=None))
    db.session.commit()
    assert _kept_is_fresh(kept)["张家村"]["supply_covered_days_30d"] == 29

    earlier = db.session.scalar(select(Delivery.id).where(Delivery.scheduled_for == today - timedelta(days=2)))
    liters = _kept_is_fresh(kept)["张家村"]["supply_liters_30d"]
    correct_delivery(db.session, world.worker_a, earlier, {"liters": 40, "reason": "称重有误"}, current_rules())
    db.session.commit()
    assert _kept_is_fresh(kept)["张家村"]["supply_liters_30d"] == liters - 60


def test_writes_rolled_back_or_outside_the_figures_raise_nothing(world):
    before = _revisions(world)
    make_household(world, 1)
    db.session.rollback()
    db.session.add(SmsMessage(direction="inbound", phone="+8613800138000", body="1", purpose="reply", status="received"))
    db.session.commit()
    db.session.execute(Delivery.__table__.update().where(Delivery.status == "planned").values(status="missed"))
    db.session.commit()  # a job that found nothing to do
    assert _revisions(world) == before


def test_the_api_dashboard_follows_a_household_added_through_the_api(client, world):
    from .conftest import household_payload

    headers = world.headers(world.admin)
    first = client.get("/api/v1/dashboard", headers=headers).get_json()
    answer = client.post("/api/v1/households", json=household_payload(world, 7, distance_m=1500.0), headers=headers)
    assert answer.status_code == 201, answer.get_json()
    then = client.get("/api/v1/dashboard", headers=headers).get_json()
    assert then["overall"]["households"] == first["overall"]["households"] + 1
    assert then["overall"]["needs_delivery"] == first["overall"]["needs_delivery"] + 1


def test_rows_traced_through_relationships_savepoints_and_returning(world):
    household = make_household(world, 1, distance_m=1500.0)
    agreement = make_agreement(world, household)
    db.session.commit()
    before = _revisions(world)
    household, agreement = db.session.get(Household, household.id), db.session.get(type(agreement), agreement.id)
    db.session.add(Delivery(household=household, agreement=agreement, scheduled_for=local_today()))
    db.session.commit()  # its household_id was only filled in by the flush
    assert _revisions(world)["张家村"] == before["张家村"] + 1

    household = db.session.get(Household, household.id)
    household.distance_m = 2000.0
    db.session.flush()
    outer = db.session.begin_nested()
    db.session.begin_nested().commit()  # a savepoint released inside another one that is rolled back
    outer.rollback()
    db.session.commit()
    assert _revisions(world)["张家村"] == before["张家村"] + 2

    rules = current_rules()
    assert expire_confirmations(db.session, rules.now, timedelta(hours=72)) == 0
    db.session.commit()  # UPDATE … RETURNING no row: nothing changed
    assert _revisions(world)["张家村"] == before["张家村"] + 2
    db.session.execute(Delivery.__table__.update().values(confirmation="pending",
                                                          logged_at=rules.now - timedelta(days=4)))
    assert expire_confirmations(db.session, rules.now, timedelta(hours=72)) == 1
    db.session.commit()
    assert _revisions(world)["张家村"] > before["张家村"] + 2


def _pictures(page: str) -> list[str]:
    """The page's pictures as SVG text, without the random id pygal gives each drawing."""
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    return [uuid.sub("", base64.b64decode(data).decode())
            for data in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", page)]


def test_pictures_are_kept_for_the_scope_they_were_drawn_for(world, app):
    for serial in range(5):  # open cases in 河口镇 only
        db.session.add(Case(kind="other", village_id=world.v_b1.id, township_id=world.t_b.id, status="open",
                            title=f"问题{serial}", severity="medium", lead_unit="镇水利站",
                            deadline=local_today() + timedelta(days=7)))
    db.session.commit()
    worker_b, lead_a = app.test_client(), app.test_client()
    login(worker_b, "worker_b")
    login(lead_a, "lead_a")
    worker_b.get(f"/dashboard?township_id={world.t_a.id}")  # no village of its own in view: 河口镇's trends
    seen = _pictures(lead_a.get(f"/dashboard?township_id={world.t_b.id}").get_data(as_text=True))
    app.extensions["kept_figures"]["dashboard"] = KeptFigures()  # drawn afresh
    fresh = _pictures(lead_a.get(f"/dashboard?township_id={world.t_b.id}").get_data(as_text=True))
    assert seen and seen == fresh


def test_the_lists_kept_supply_figures_follow_a_missed_delivery(client, world):
    household = make_household(world, 1, distance_m=1500.0, members=2)
    today = local_today()
    agreement = make_agreement(world, household, interval_days=1, start_on=today - timedelta(days=40))
    for days_ago in range(1, 31):
        db.session.add(Delivery(household_id=household.id, agreement_id=agreement.id,
                                scheduled_for=today - timedelta(days=days_ago), status="delivered", liters=100,
                                delivered_at=current_rules().now - timedelta(days=days_ago)))
    db.session.commit()
    headers = world.headers(world.admin)

    def assurance():
        page = client.get("/api/v1/households?needs_delivery=true", headers=headers).get_json()
        return next(item["supply_assurance_30d"] for item in page["items"] if item["id"] == household.id)

    assert assurance() == assurance() == 100.0  # the second time from the kept figures
    db.session.execute(Delivery.__table__.update().where(Delivery.scheduled_for == today - timedelta(days=1))
                       .values(status="missed", liters=None, delivered_at=None))
    db.session.commit()
    assert assurance() == round(100 * 29 / 30, 1)


def test_list_totals_are_kept_by_village_and_follow_every_write(client, world):
    """A list's total is counted once per village and again only for the villages written since: never the whole
    table per request, and always what a count of the records says."""
    from .conftest import household_payload
    from .helpers import sql_statements

    h = world.headers(world.admin)
    for serial in range(1, 6):
        make_household(world, serial, distance_m=1500.0 if serial % 2 else 100.0)
    make_household(world, 9, village=world.v_b1, distance_m=1500.0)
    db.session.commit()

    def total(path):
        answer, statements = sql_statements(lambda: client.get(path, headers=h))
        assert answer.status_code == 200, answer.json
        return answer.json["total"], [s for s in statements if "count(" in s.lower() and "FROM households" in s]

    def counted(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    assert total("/api/v1/households?needs_delivery=true")[0] == 4
    again, counts = total("/api/v1/households?needs_delivery=true")
    assert again == 4 and counts == []  # kept: nothing counted
    # A household added in one village: only that village is counted again.
    added = client.post("/api/v1/households", json=household_payload(world, 20, distance_m=2000.0), headers=h)
    assert added.status_code == 201
    after, counts = total("/api/v1/households?needs_delivery=true")
    assert after == 5 == counted(Household, Household.distance_m > 800) and len(counts) == 1
    # Moved nearer (through the API): the filter's total follows; another filter and scope count for themselves.
    assert client.patch(f"/api/v1/households/{added.json['id']}", json={"distance_m": 50.0},
                        headers=h).status_code == 200
    assert total("/api/v1/households?needs_delivery=true")[0] == 4
    assert total(f"/api/v1/households?township_id={world.t_b.id}")[0] == 1
    worker = world.headers(world.worker_a)
    assert client.get("/api/v1/households", headers=worker).json["total"] == 6 == counted(
        Household, Household.township_id == world.t_a.id)
    # Cases and deliveries alike, with their filters.
    case = client.post("/api/v1/cases", json={"kind": "other", "village_id": world.v_a1.id, "title": "水池破损"},
                       headers=h).json
    still_open = counted(Case, Case.status == "open")
    assert total("/api/v1/cases?status=open")[0] == still_open and still_open >= 1
    assert client.post(f"/api/v1/cases/{case['id']}/transitions", json={"to": "in_progress"},
                       headers=h).status_code == 200
    assert total("/api/v1/cases?status=open")[0] == still_open - 1
    household = db.session.get(Household, added.json["id"])
    make_agreement(world, household)
    db.session.commit()
    assert total("/api/v1/deliveries")[0] == 0
    plan = client.post("/api/v1/deliveries", json={"household_id": household.id, "liters": 50}, headers=h)
    assert plan.status_code == 201, plan.json
    assert total("/api/v1/deliveries")[0] == 1 == counted(Delivery)
    assert total(f"/api/v1/deliveries?village_id={world.v_b1.id}")[0] == 0


def test_lists_read_a_page_in_a_fixed_number_of_statements(client, world):
    from .helpers import sql_statements

    h = world.headers(world.admin)
    for serial in range(1, 26):
        household = make_household(world, serial, distance_m=1500.0)
        db.session.add(Case(township_id=world.t_a.id, village_id=world.v_a1.id, household_id=household.id,
                            kind="other", severity="low", status="open", lead_unit="城关镇",
                            deadline=local_today() + timedelta(days=7)))
    db.session.commit()
    for path in ("/api/v1/cases", "/api/v1/households", "/api/v1/deliveries"):
        few = sql_statements(lambda: client.get(path + "?per_page=2", headers=h))[1]
        many = sql_statements(lambda: client.get(path + "?per_page=25", headers=h))[1]
        assert len(many) <= len(few), (path, many)


def test_a_dashboard_asked_again_with_nothing_written_reads_one_row_of_its_villages(client, world):
    from .helpers import sql_statements

    h = world.headers(world.admin)
    make_household(world, 1, distance_m=1500.0)
    db.session.commit()
    first = client.get("/api/v1/dashboard", headers=h).json
    answer, statements = sql_statements(lambda: client.get("/api/v1/dashboard", headers=h))
    assert answer.json == first
    assert [s for s in statements if "villages" in s] == [s for s in statements if "sum(" in s]
    make_household(world, 2, village=world.v_b1, distance_m=1500.0)
    db.session.commit()
    assert client.get("/api/v1/dashboard", headers=h).json["overall"]["gaps"] == first["overall"]["gaps"] + 1


def test_each_model_says_whether_a_kept_figure_reads_it():
    """A new table counts (raises its villages' revisions) unless its model says `counted = False` beside its name."""
    from models import db
    from models.revision import uncounted_tables

    uncounted = uncounted_tables()
    assert {"audit_events", "sms_messages", "users", "report_printings"} <= uncounted
    assert not {"households", "deliveries", "cases", "visits", "water_tests", "villages"} & uncounted
    assert uncounted <= {mapper.class_.__tablename__ for mapper in db.Model.registry.mappers}


def _served_household(world):
    """A 张家村 household on delivery with a month of deliveries behind it: supply figures worth keeping."""
    household = make_household(world, 1, distance_m=1500.0, members=3)
    today = local_today()
    agreement = make_agreement(world, household, interval_days=2, start_on=today - timedelta(days=40))
    for days_ago in range(2, 31, 2):
        db.session.add(Delivery(household_id=household.id, agreement_id=agreement.id,
                                scheduled_for=today - timedelta(days=days_ago), status="delivered", liters=150,
                                delivered_at=current_rules().now - timedelta(days=days_ago)))
    db.session.commit()
    return household


def _nothing_worked_out(monkeypatch) -> list:
    """Record the villages a dashboard works out itself from now on (instead of reading them kept)."""
    import service.domain.dashboard as figures

    worked_out, work = [], figures.village_figures
    monkeypatch.setattr(figures, "village_figures", lambda session, ids, *args: worked_out.extend(ids) or work(
        session, ids, *args))
    return worked_out


def test_a_process_just_started_reads_the_figures_the_scheduler_kept(app, client, world, monkeypatch):
    from schedules.runner import execute

    _served_household(world)
    h = world.headers(world.admin)
    afresh = client.get("/api/v1/dashboard", headers=h).json
    before = _revisions(world)
    assert execute(db.session, "keep_figures", app.config) == 3  # 张家村, 李家村, 王庄村
    assert _revisions(world) == before  # keeping them changes no figure
    assert execute(db.session, "keep_figures", app.config) == 0

    app.extensions.pop("kept_figures")  # as a web process just started
    worked_out = _nothing_worked_out(monkeypatch)
    assert client.get("/api/v1/dashboard", headers=h).json == afresh
    assert worked_out == []
    assert afresh["overall"]["supply_covered_days_30d"] > 0 and afresh["overall"]["needs_delivery"] == 1

    # A write: its village alone is worked out in the process, until the scheduler keeps it again.
    make_household(world, 2, village=world.v_b1, distance_m=1500.0)
    db.session.commit()
    app.extensions.pop("kept_figures")
    answer = client.get("/api/v1/dashboard", headers=h).json
    assert worked_out == [world.v_b1.id]
    assert answer["overall"]["needs_delivery"] == 2
    assert execute(db.session, "keep_figures", app.config) == 1
    worked_out.clear()  # (by the job)
    app.extensions.pop("kept_figures")
    assert client.get("/api/v1/dashboard", headers=h).json == answer
    assert worked_out == []


def test_kept_figures_hold_for_their_day_and_settings_only(app, world, monkeypatch):
    from dataclasses import replace

    from service.domain.dashboard import keep_village_figures, settings_digest, stored_figures
    from service.unit_of_work import transaction

    _served_household(world)
    rules, today = current_rules(), local_today()
    upkeep = rules.cases.upkeep
    assert keep_village_figures(lambda: transaction(db.session), today, rules.thresholds, rules.zone, upkeep) == 3
    revisions = dict(db.session.execute(select(Village.id, Village.revision)).all())
    digest = settings_digest(rules.thresholds, rules.zone, upkeep)
    kept = stored_figures(db.session, revisions, today, digest)
    assert kept == {village_id: figures for village_id, figures in village_figures_afresh(today, rules).items()}

    assert stored_figures(db.session, revisions, today + timedelta(days=1), digest) == {}  # tomorrow's are not these
    farther = replace(rules.thresholds, distance_m=2000)
    assert stored_figures(db.session, revisions, today, settings_digest(farther, rules.zone, upkeep)) == {}
    assert stored_figures(db.session, {v: r + 1 for v, r in revisions.items()}, today, digest) == {}

    # Under other thresholds the household no longer needs delivery: kept apart, and not taken for the others.
    worked_out = _nothing_worked_out(monkeypatch)
    through_kept = dashboard(db.session, Scope(), today, farther, None, KeptFigures(), rules.zone, upkeep)
    assert through_kept["overall"]["needs_delivery"] == 0 and len(worked_out) == 3
    # Tomorrow every village is stale, and the job works them all out again, two villages a transaction.
    assert keep_village_figures(lambda: transaction(db.session), today + timedelta(days=1), rules.thresholds,
                                rules.zone, upkeep, batch=2) == 3
    assert keep_village_figures(lambda: transaction(db.session), today + timedelta(days=1), rules.thresholds,
                                rules.zone, upkeep, batch=2) == 0


def village_figures_afresh(today, rules) -> dict:
    from service.domain.dashboard import village_figures

    ids = db.session.scalars(select(Village.id)).all()
    return village_figures(db.session, ids, today, rules.thresholds, rules.zone, rules.cases.upkeep)
