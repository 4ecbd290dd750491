"""Households enter and leave the monitoring list (风险消除, 迁出, 死亡): one that left keeps its records but leaves
today's lists and figures, its agreement ends with that reason, its open cases say so; a past month's papers count
the households monitored then; the county's list is imported to reconcile the registry with it."""
import io
from datetime import date, timedelta

from openpyxl import Workbook

from models import Agreement, AuditEvent, Case, CaseEvent, Delivery, Household, MonitoringPeriod, db
from service.clock import local_today
from service.context import current_rules
from service.domain.dashboard import dashboard
from service.domain.reports import township_summary
from service.domain.scope import Scope

from .conftest import make_agreement, make_household, valid_id
from .helpers import csrf_token, login, upload


def _served(world, serial=1):
    """A household needing delivery (1.5 km), its active agreement planning every day from a week ago."""
    today = local_today()
    household = make_household(world, serial, distance_m=1500.0, phone=f"+86138000000{serial:02d}")
    agreement = make_agreement(world, household, interval_days=1, start_on=today - timedelta(days=7),
                               signed_on=today - timedelta(days=8))
    for n in range(-2, 5):
        db.session.add(Delivery(household_id=household.id, agreement_id=agreement.id,
                                scheduled_for=today + timedelta(days=n), status="planned" if n >= 0 else "missed"))
    db.session.commit()
    return household, agreement


def _figures(world):
    rules = current_rules()
    figures = dashboard(db.session, Scope(), rules.today, rules.thresholds, world.t_a.id)
    return figures["overall"]


def test_a_household_that_leaves_keeps_its_records_but_leaves_today_s_lists_and_figures(client, world):
    today = local_today()
    household, agreement = _served(world)
    other = make_household(world, 2, distance_m=1500.0)  # a gap: its 未签协议 case is opened below
    db.session.commit()
    h = world.headers(world.worker_a)
    case = client.post("/api/v1/cases", headers=h, json={"household_id": household.id, "kind": "other",
                                                         "title": "水管漏水"})
    assert case.status_code == 201, case.json
    before = _figures(world)
    assert before["households"] == 2 and before["needs_delivery"] == 2
    listed = client.get(f"/api/v1/households?village_id={world.v_a1.id}", headers=h).json
    assert listed["total"] == 2

    # The page says what leaving does; the API takes the status and the day.
    answer = client.patch(f"/api/v1/households/{household.id}", headers=h,
                          json={"monitoring_status": "risk_eliminated", "left_on": today.isoformat(),
                                "support_person": {"name": "刘干部", "phone": "13900139000"}})
    assert answer.status_code == 200, answer.json
    assert answer.json["monitoring_status"] == "risk_eliminated" and answer.json["left_on"] == today.isoformat()
    assert answer.json["needs_delivery"] is False
    assert answer.json["support_person"] == {"name": "刘干部", "phone": "+8613900139000"}

    # Its agreement ended the day before, with that reason; what was planned from today on is cancelled, what was
    # logged before is kept.
    db.session.expire_all()
    agreement = db.session.get(Agreement, agreement.id)
    assert (agreement.status, agreement.end_reason, agreement.end_on) == \
        ("terminated", "risk_eliminated", today - timedelta(days=1))
    statuses = {d.scheduled_for: d.status for d in db.session.query(Delivery).filter_by(household_id=household.id)}
    assert statuses[today - timedelta(days=1)] == "missed"
    assert {statuses[today + timedelta(days=n)] for n in range(5)} == {"cancelled"}
    # Its open case says so.
    events = db.session.query(CaseEvent).filter_by(case_id=case.json["id"], action="household_left").all()
    assert [e.note for e in events] == ["risk_eliminated"]
    detail = client.get(f"/api/v1/cases/{case.json['id']}", headers=h)
    assert detail.status_code == 200

    # Today's list and figures leave it out unless asked; asked, it is there.
    after = _figures(world)
    assert after["households"] == 1 and after["needs_delivery"] == 1 and after["gaps"] == 1
    assert client.get(f"/api/v1/households?village_id={world.v_a1.id}", headers=h).json["total"] == 1
    left = client.get("/api/v1/households?monitoring_status=risk_eliminated", headers=h).json
    assert [item["id"] for item in left["items"]] == [household.id] and left["total"] == 1
    assert client.get(f"/api/v1/households?village_id={world.v_a1.id}&monitoring_status=all",
                      headers=h).json["total"] == 2
    assert client.get(f"/api/v1/households/{household.id}", headers=h).status_code == 200
    needing = client.get("/api/v1/households?needs_delivery=true", headers=h).json
    assert [item["id"] for item in needing["items"]] == [other.id]

    # No new agreement for a household that left, whatever its reason.
    refused = client.post("/api/v1/agreements", headers=h, json={
        "household_id": household.id, "provider_id": world.staff_a.id, "reason": "other", "interval_days": 7,
        "liters_per_delivery": 100, "start_on": today.isoformat()})
    assert refused.status_code == 422 and "household_id" in refused.json["errors"]["json"]
    # A second leaving is a conflict; a day ahead is refused naming its field.
    again = client.patch(f"/api/v1/households/{household.id}", headers=h, json={"monitoring_status": "deceased"})
    assert again.status_code == 409
    ahead = client.patch(f"/api/v1/households/{other.id}", headers=h,
                         json={"monitoring_status": "moved_out", "left_on": (today + timedelta(days=1)).isoformat()})
    assert ahead.status_code == 422 and "left_on" in ahead.json["errors"]["json"]
    assert db.session.get(Household, other.id).monitoring_status == "monitored"

    # Entering again keeps the earlier period.
    back = client.patch(f"/api/v1/households/{household.id}", headers=h, json={"monitoring_status": "monitored"})
    assert back.status_code == 200, back.json
    assert back.json["left_on"] is None and back.json["monitored_since"] == today.isoformat()
    period = db.session.query(MonitoringPeriod).filter_by(household_id=household.id).one()
    assert (period.left_on, period.reason) == (today, "risk_eliminated")
    assert {e.action for e in db.session.query(AuditEvent).filter_by(entity="households", entity_id=household.id)} \
        >= {"leave_monitoring", "enter_monitoring"}


def test_a_new_household_enters_today_and_cannot_be_registered_as_left(client, world):
    h = world.headers(world.worker_a)
    from .conftest import household_payload
    made = client.post("/api/v1/households", headers=h, json=household_payload(world, 7))
    assert made.status_code == 201 and made.json["monitoring_status"] == "monitored"
    assert made.json["monitored_since"] == local_today().isoformat()
    refused = client.post("/api/v1/households", headers=h,
                          json=household_payload(world, 8, monitoring_status="deceased"))
    assert refused.status_code == 422 and "monitoring_status" in refused.json["errors"]["json"]


def test_a_past_month_counts_the_households_monitored_then_and_today_s_month_does_not(client, world):
    """A household leaves on the first of this month: last month's summary still counts it (and its agreement),
    this month's does not; marking another 风险消除 today changes no past paper."""
    today = local_today()
    first = today.replace(day=1)
    last_month = (first - timedelta(days=1)).replace(day=1), first - timedelta(days=1)
    this_month = first, today
    household, _ = _served(world, 1)
    stays, _ = _served(world, 2)
    rules = current_rules()

    def count(period):
        record = township_summary(db.session, Scope(), world.t_a.id, *period, rules.thresholds, rules.zone)
        return record["figures"]["households"], record["figures"]["active_agreements"]

    before = count(last_month)
    h = world.headers(world.worker_a)
    assert client.patch(f"/api/v1/households/{household.id}", headers=h,
                        json={"monitoring_status": "moved_out", "left_on": first.isoformat()}).status_code == 200
    assert count(last_month) == before == (2, 2)
    assert count(this_month) == (1, 1)
    # Marked 风险消除 today: today's figures change, last month's paper does not.
    assert client.patch(f"/api/v1/households/{stays.id}", headers=h,
                        json={"monitoring_status": "risk_eliminated"}).status_code == 200
    assert count(last_month) == (2, 2)
    assert _figures(world)["households"] == 0


def test_the_household_page_leaves_and_enters_again_and_the_list_filters_by_status(client, world):
    household, _ = _served(world)
    login(client, "worker_a")
    page = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert "退出监测" in page and "帮扶责任人" in page and "未明确" in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    ahead = client.post(f"/households/{household.id}/monitoring", data={
        "csrf_token": token, "monitoring_status": "deceased",
        "left_on": (local_today() + timedelta(days=3)).isoformat()})
    assert ahead.status_code == 422 and 'data-field="left_on"' in ahead.get_data(as_text=True)
    done = client.post(f"/households/{household.id}/monitoring", data={
        "csrf_token": token, "monitoring_status": "deceased", "left_on": local_today().isoformat()})
    assert done.status_code == 302
    page = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert "已退出监测：死亡" in page and "重新纳入监测" in page
    listed = client.get("/households").get_data(as_text=True)
    assert f"/households/{household.id}\"" not in listed
    listed = client.get("/households?monitoring_status=deceased").get_data(as_text=True)
    assert f"/households/{household.id}\"" in listed and "1 户" in listed
    back = client.post(f"/households/{household.id}/monitoring", data={
        "csrf_token": token, "monitoring_status": "monitored", "monitored_since": local_today().isoformat()})
    assert back.status_code == 302
    assert db.session.get(Household, household.id).monitoring_status == "monitored"


def _monitoring_list(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(["身份证号", "户主姓名", "镇街", "村", "监测类型", "纳入日期", "退出日期", "退出原因"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_county_s_monitoring_list_is_reconciled_all_or_nothing_with_a_dry_run(client, world):
    today = local_today()
    leaves, _ = _served(world, 1)
    unlisted = make_household(world, 2)
    returning = make_household(world, 3, monitoring_status="moved_out", left_on=today - timedelta(days=40))
    corrected = make_household(world, 4)
    db.session.commit()
    day = (today - timedelta(days=10)).isoformat()
    rows = [[valid_id(1), "户主1", "城关镇", "张家村", "", "", day, "风险消除"],
            [valid_id(3), "户主3", "城关镇", "张家村", "", day, "", ""],
            [valid_id(4), "户主4", "城关镇", "张家村", "边缘易致贫户", "2024-03-01", "", ""],
            [valid_id(9), "新户", "城关镇", "李家村", "突发严重困难户", "2026-01-05", "", ""]]
    dry = upload(client, world, "monitoring", _monitoring_list(rows), "名单.xlsx", dry_run=True, user=world.admin)
    assert dry.status_code == 200, dry.json
    report = dry.json
    assert [p["household_id"] for p in report["leaving"]] == [leaves.id]
    assert report["leaving"][0]["monitoring_status"] == "risk_eliminated" and report["leaving"][0]["left_on"] == day
    assert [p["household_id"] for p in report["entering"]] == [returning.id]
    assert [(p["row"], p["head_name"], p["household_id"]) for p in report["only_in_list"]] == [(5, "新户", None)]
    assert "*" in report["only_in_list"][0]["id_number_masked"]
    assert [p["household_id"] for p in report["only_in_registry"]] == [unlisted.id]
    assert report["updated"] == 3 and report["dry_run"] is True
    db.session.expire_all()
    assert db.session.get(Household, leaves.id).monitoring_status == "monitored"  # a dry run writes nothing

    # One bad row: nothing is written, the row and column are named.
    bad = upload(client, world, "monitoring", _monitoring_list(rows + [[valid_id(5), "户主5", "", "", "", "", day, ""]]),
                 "名单.xlsx", user=world.admin)
    assert bad.status_code == 422
    assert [(e["row"], e["column"]) for e in bad.json["errors"]] == [(6, "退出原因")]
    db.session.expire_all()
    assert db.session.get(Household, leaves.id).monitoring_status == "monitored"

    done = upload(client, world, "monitoring", _monitoring_list(rows), "名单.xlsx", user=world.admin)
    assert done.status_code == 200, done.json
    db.session.expire_all()
    left = db.session.get(Household, leaves.id)
    assert (left.monitoring_status, left.left_on) == ("risk_eliminated", today - timedelta(days=10))
    assert db.session.query(Agreement).filter_by(household_id=leaves.id).one().end_reason == "risk_eliminated"
    back = db.session.get(Household, returning.id)
    assert (back.monitoring_status, back.monitored_since) == ("monitored", today - timedelta(days=10))
    fixed = db.session.get(Household, corrected.id)
    assert (fixed.monitored_since, fixed.monitoring_type) == (date(2024, 3, 1), "marginal")
    assert db.session.get(Household, unlisted.id).monitoring_status == "monitored"  # a person decides
    # Imported again, nothing changes.
    again = upload(client, world, "monitoring", _monitoring_list(rows), "名单.xlsx", user=world.admin).json
    assert again["updated"] == 0 and again["unchanged"] == 3 and not again["leaving"] and not again["entering"]
    assert db.session.query(Case).filter_by(household_id=leaves.id, kind="missing_agreement",
                                            status="open").count() == 0


def test_the_import_page_shows_who_leaves_enters_and_is_on_one_side_only(client, world):
    leaves, _ = _served(world, 1)
    unlisted = make_household(world, 2)
    db.session.commit()
    rows = [[valid_id(1), "户主1", "城关镇", "张家村", "", "", local_today().isoformat(), "迁出"],
            [valid_id(9), "新户", "城关镇", "李家村", "", "", "", ""]]
    login(client, "admin")
    page = client.post("/imports", data={"kind": "monitoring", "csrf_token": csrf_token(client, "/imports"),
                                         "dry_run": "1", "file": (io.BytesIO(_monitoring_list(rows)), "名单.xlsx")},
                       content_type="multipart/form-data")
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    assert "退出监测 1 户" in text and f'href="/households/{leaves.id}"' in text
    assert "名单有、系统未登记 1 户" in text and "新户" in text and "第3行" in text
    assert "系统在监测、名单没有 1 户" in text and f'href="/households/{unlisted.id}"' in text
    assert "监测对象名单" in text


def test_a_county_s_sqlite_database_with_records_migrates_down_and_up_again(tmp_path):
    """The migrations of this round rebuild tables that other rows point to (households, facilities, deliveries):
    on a SQLite file full of records they run both ways and leave every reference whole."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import func, select, text

    from demo.data import SCALES, seed
    from service import create_app
    from service.context import current_vault

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'county.db'}",
                      "SECRET_KEY": "k", "ID_NUMBER_KEY": "k", "ALLOWED_HOSTS": ["localhost"]})
    with app.app_context():
        upgrade()
        with app.test_request_context():
            seed(db.session, SCALES["small"], current_vault(), local_today())
        db.session.commit()
        counted = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                   for model in (Household, Agreement, Delivery, Case)}
        db.session.remove()
        downgrade(revision="e4f506172839")  # the schema before households had a monitoring status
        upgrade()
        assert {name: db.session.scalar(text(f"SELECT count(*) FROM {name}")) for name in counted} == counted
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
        assert db.session.scalar(text("SELECT count(*) FROM households WHERE monitoring_status = 'monitored'")) == \
            counted["households"]
        # The keys are enforced again on the connection the migration used (this process goes on using it).
        assert db.session.scalar(text("PRAGMA foreign_keys")) == 1
        # A delivery's township came from its household; a household moved takes its deliveries along.
        assert db.session.scalar(text("SELECT count(*) FROM deliveries JOIN households ON households.id = "
                                      "deliveries.household_id WHERE deliveries.township_id <> "
                                      "households.township_id")) == 0
        db.session.remove()


def test_a_failed_sqlite_migration_still_leaves_foreign_keys_on(tmp_path, monkeypatch):
    """Foreign keys are off while SQLite migrates: a migration that fails turns them back on too, for what the
    process does next."""
    import pytest
    from alembic.runtime.migration import MigrationContext
    from flask_migrate import upgrade
    from sqlalchemy import text

    from service import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'failed.db'}",
                      "SECRET_KEY": "k", "ID_NUMBER_KEY": "k", "ALLOWED_HOSTS": ["localhost"]})
    with app.app_context():
        upgrade(revision="394a5b6c7d8e")
        migrate = MigrationContext.run_migrations

        def failing(self, **kw):
            migrate(self, **kw)
            raise ValueError("a migration failed")

        monkeypatch.setattr(MigrationContext, "run_migrations", failing)
        with pytest.raises(ValueError):
            upgrade()
        monkeypatch.undo()
        assert db.session.scalar(text("PRAGMA foreign_keys")) == 1
        # Nothing of the failed upgrade was kept: it runs again from where it stood.
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == "394a5b6c7d8e"
        db.session.remove()
        upgrade()
        db.session.remove()
