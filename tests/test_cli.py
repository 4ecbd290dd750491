"""The flask commands: users create, seed-demo, jobs."""
from sqlalchemy import func, select

from models import db, Facility, Household, Staff, Township, User, Village
from service.domain.users import authenticate

from .conftest import flask_cli as run


def test_users_create_with_and_without_password(app, world):
    r = run(app, "users", "create", "zhang", "--role", "township_worker", "--township", "370101",
            "--password", "long-enough-1")
    assert r.exit_code == 0, r.output
    user = authenticate(db.session, "zhang", "long-enough-1")
    assert user.township_id == world.t_a.id and user.password_hash != "long-enough-1"
    r = run(app, "users", "create", "li", "--role", "county_admin", input="prompted-pass\nprompted-pass\n")
    assert r.exit_code == 0, r.output
    assert authenticate(db.session, "li", "prompted-pass").role == "county_admin"
    r = run(app, "users", "create", "cun", "--role", "village_staff", "--township", "370101", "--village", "370101001",
            "--password", "long-enough-1")
    assert r.exit_code == 0, r.output
    assert authenticate(db.session, "cun", "long-enough-1").village_id == world.v_a1.id


def test_users_create_refuses_bad_input(app, world):
    r = run(app, "users", "create", "x", "--role", "township_worker", "--township", "NOPE", "--password", "long-enough-1")
    assert r.exit_code == 1 and "township" in r.output
    r = run(app, "users", "create", "admin", "--role", "county_admin", "--password", "long-enough-1")
    assert r.exit_code == 1 and "username" in r.output
    r = run(app, "users", "create", "y", "--role", "county_admin", "--password", "short")
    assert r.exit_code == 1 and "password" in r.output


def test_seed_demo_fills_an_empty_database_once(app):
    r = run(app, "seed-demo")
    assert r.exit_code == 0, r.output
    assert "admin / demo-water-2026" in r.output
    counts = {m.__name__: db.session.scalar(select(func.count()).select_from(m))
              for m in (Township, Village, Household, Facility, Staff, User)}
    assert counts["Township"] == 2 and counts["Village"] == 6 and counts["Household"] == 60
    assert counts["Facility"] >= 6 and counts["Staff"] >= 14 and counts["User"] == 7
    computed = db.session.scalar(select(func.count()).where(Household.distance_computed.is_(True)))
    assert computed > 0
    assert run(app, "seed-demo", "--if-empty").exit_code == 0
    assert run(app, "seed-demo").exit_code == 1
    assert db.session.scalar(select(func.count()).select_from(Household)) == 60


def test_jobs_list_and_run(app, world):
    r = run(app, "jobs", "list")
    assert r.exit_code == 0 and "recompute_distances" in r.output
    r = run(app, "jobs", "run", "recompute_distances")
    assert r.exit_code == 0 and "recompute_distances: 0" in r.output
    r = run(app, "jobs", "run", "no_such_job")
    assert r.exit_code == 2 and "unknown job" in r.output


def test_created_users_are_audited_without_their_password(app, world):
    from models import AuditEvent

    run(app, "users", "create", "wang", "--role", "county_admin", "--password", "long-enough-1")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "users")).one()
    assert event.after["username"] == "wang" and "password_hash" not in event.after


def test_make_run_seeds_demo_logins_only_into_the_default_database(app, monkeypatch):
    monkeypatch.delenv("DEMO", raising=False)
    result = run(app, "seed-demo", "--if-empty", "--only-default-database")
    assert result.exit_code == 0 and "no demo data" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    monkeypatch.setenv("DEMO", "1")
    result = run(app, "seed-demo", "--if-empty", "--only-default-database")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.id).where(User.username == "admin")) is not None
