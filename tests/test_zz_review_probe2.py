from datetime import timedelta
from sqlalchemy import event

from models import User, db
from service.clock import local_today

from .conftest import _PASSWORD_HASH, make_household
from .helpers import login
from .test_regions import _chain, _place, _regional


def test_probe_manage_unit_staff(client, world):
    province, city, east, west = _chain(client, world)
    _place(client, world, world.t_a, east)
    h = world.headers(world.admin)
    water = client.post("/api/v1/units", json={"name": "县水利局", "kind": "department", "county_id": east}, headers=h).json
    print("unit", water)
    from service.domain.users import create_user, set_active
    lixia = _regional(world, "lixia", "county_admin", east)
    u = create_user(db.session, "shuili", "unit_staff", "a-long-unit-pass-2026", unit_id=water["id"], actor=lixia)
    db.session.commit()
    print("created by lixia ok", u.id)
    try:
        set_active(db.session, lixia, "shuili", False)
        print("deactivate OK")
    except Exception as e:
        print("DEACTIVATE REFUSED", type(e).__name__, e)
    db.session.rollback()


def test_probe_spot_check_queries(client, world, app):
    for i in range(1, 31):
        make_household(world, i)
    db.session.commit()
    r = client.post("/api/v1/spot-checks", json={"township_id": world.t_a.id, "size": 30, "seed": "x"},
                    headers=world.headers(world.lead_a)).json
    for k in range(5):
        client.post("/api/v1/spot-checks", json={"township_id": world.t_a.id, "size": 3}, headers=world.headers(world.lead_a))
    login(client, "lead_a")
    counter = {"n": 0}
    def count(*a, **k):
        counter["n"] += 1
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        counter["n"] = 0
        client.get(f"/spot-checks/{r['id']}")
        print("SPOT DETAIL (30 households) queries:", counter["n"])
        counter["n"] = 0
        client.get("/spot-checks")
        print("SPOT INDEX (6 draws) queries:", counter["n"])
        counter["n"] = 0
        client.get(f"/api/v1/spot-checks/{r['id']}", headers=world.headers(world.lead_a))
        print("SPOT API detail queries:", counter["n"])
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
