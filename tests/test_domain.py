"""Domain rules as plain functions, without HTTP."""
from datetime import date

import pytest
from sqlalchemy import event, select

from models import Facility, Household, db
from service.domain.geo import great_circle_m, recompute_distances
from service.domain.needs_delivery import Thresholds, household_reasons, needs_delivery_clause, needs_delivery_reasons
from service.domain.scope import Scope
from service.domain.identity import IdNumberVault, mask_id_number, normalize_id_number, normalize_phone

from .conftest import valid_id

T = Thresholds()


def reasons(**values):
    base = {"distance_m": None, "vertical_m": None, "round_trip_min": None, "self_care": True, "source_status": None}
    return needs_delivery_reasons(T, **{**base, **values})


@pytest.mark.parametrize("values, expected", [
    ({"distance_m": 800}, []),
    ({"distance_m": 800.1}, ["distance"]),
    ({"vertical_m": 80}, []),
    ({"vertical_m": 80.1}, ["vertical"]),
    ({"round_trip_min": 20}, []),
    ({"round_trip_min": 20.1}, ["round_trip"]),
    ({"self_care": False}, ["no_self_care"]),
    ({"source_status": "broken"}, ["source_failed"]),
    ({"source_status": "low_yield"}, ["source_failed"]),
    ({"source_status": "working"}, []),
    ({"source_status": "retired"}, []),
    ({"distance_m": 1200, "vertical_m": 120, "round_trip_min": 45, "self_care": False, "source_status": "broken"},
     ["distance", "vertical", "round_trip", "no_self_care", "source_failed"]),
])
def test_needs_delivery_thresholds_at_their_edges(values, expected):
    assert reasons(**values) == expected


def test_thresholds_are_settings():
    strict = Thresholds(distance_m=400, vertical_m=40, round_trip_min=10)
    assert needs_delivery_reasons(strict, distance_m=401, vertical_m=40, round_trip_min=10.5, self_care=True,
                                  source_status=None) == ["distance", "round_trip"]


def test_id_number_check_digit_and_shape():
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"
    assert normalize_id_number(" " + valid_id(7) + " ") == valid_id(7)
    wrong = valid_id(7)[:17] + ("0" if valid_id(7)[17] != "0" else "1")
    for bad, why in [(wrong, "id_number.check_digit"), ("1101051949123100", "id_number.length"),
                     ("11010519491331002X", "id_number.birth_date"), ("1101051949123100AX", "id_number.digits")]:
        with pytest.raises(ValueError, match=why):
            normalize_id_number(bad)


def test_id_number_is_masked_and_encrypted():
    assert mask_id_number("370102195603120017") == "370102********0017"
    vault = IdNumberVault.from_secret("k1")
    token = vault.encrypt("370102195603120017")
    assert "370102195603120017" not in token
    assert vault.decrypt(token) == "370102195603120017"
    assert vault.lookup_hash("370102195603120017") == vault.lookup_hash("370102195603120017")
    assert vault.lookup_hash("370102195603120017") != IdNumberVault.from_secret("k2").lookup_hash("370102195603120017")
    with pytest.raises(ValueError):
        IdNumberVault.from_secret("k2").decrypt(token)


def test_phone_numbers_become_e164():
    assert normalize_phone("138 0013 8000") == "+8613800138000"
    assert normalize_phone("+86 138-0013-8000") == "+8613800138000"
    assert normalize_phone("0531-88886666") == "+8653188886666"
    for bad in ("12345", "not a phone", "138 0013 800"):
        with pytest.raises(ValueError):
            normalize_phone(bad)


def test_great_circle_distance():
    assert great_circle_m(36.0, 117.0, 37.0, 117.0) == pytest.approx(111_195, rel=1e-3)
    assert great_circle_m(36.0, 117.0, 36.0, 117.0) == 0


def test_scope_covers_only_its_place():
    assert Scope().covers(1) and Scope().covers(2, 9)
    assert Scope(1).covers(1, 5) and not Scope(1).covers(2, 5)
    assert Scope(1, 5).covers(1, 5) and not Scope(1, 5).covers(1, 6)


def api_household(world, serial, **values):
    vault = IdNumberVault.from_secret("x")
    h = Household(township_id=world.t_a.id, village_id=world.v_a1.id, head_name=f"户{serial}",
                  id_number_encrypted=vault.encrypt(valid_id(serial)), id_number_hash=vault.lookup_hash(valid_id(serial)),
                  id_number_masked=mask_id_number(valid_id(serial)), members=2, **values)
    db.session.add(h)
    db.session.flush()
    return h


def test_distance_is_computed_to_the_nearest_working_central_point(world):
    near = api_household(world, 1, lat=36.005, lon=117.0)          # ~556 m north of the point
    surveyed = api_household(world, 2, lat=36.02, lon=117.0, distance_m=300.0)
    no_coords = api_household(world, 3)
    recompute_distances(db.session, {world.v_a1.id})
    assert near.distance_m == pytest.approx(556, abs=1) and near.distance_computed
    assert surveyed.distance_m == 300 and not surveyed.distance_computed
    assert no_coords.distance_m is None

    world.point_a1.status = "broken"
    db.session.add(Facility(township_id=world.t_a.id, village_id=world.v_a1.id, kind="central_point", name="新供水点",
                            ownership="public", status="working", lat=36.0135, lon=117.0))
    recompute_distances(db.session, {world.v_a1.id})
    assert near.distance_m == pytest.approx(945, abs=1) and near.distance_computed
    assert surveyed.distance_m == 300

    db.session.execute(Facility.__table__.update().values(status="broken"))
    recompute_distances(db.session, {world.v_a1.id})
    assert near.distance_m is None and not near.distance_computed


def test_recompute_distances_makes_no_per_household_queries(world):
    for serial in range(40):
        api_household(world, serial, lat=36.0 + serial / 10_000, lon=117.0)
    db.session.flush()
    villages = {world.v_a1.id, world.v_a2.id}
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        changed = recompute_distances(db.session, villages)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert changed == 40
    assert len(statements) <= 3


def test_sql_rule_agrees_with_python_rule(world):
    broken = Facility(township_id=world.t_a.id, village_id=world.v_a1.id, kind="well", name="井",
                      ownership="collective", status="low_yield")
    db.session.add(broken)
    db.session.flush()
    cases = [{}, {"distance_m": 800.0}, {"distance_m": 800.1}, {"vertical_m": 81.0}, {"round_trip_min": 20.0},
             {"round_trip_min": 25.0}, {"self_care": False}, {"water_source_id": broken.id},
             {"water_source_id": world.point_a1.id}]
    households = [api_household(world, i, **values) for i, values in enumerate(cases)]
    db.session.commit()
    in_sql = set(db.session.scalars(select(Household.id).where(needs_delivery_clause(T))))
    not_in_sql = set(db.session.scalars(select(Household.id).where(~needs_delivery_clause(T))))
    for h in households:
        assert (h.id in in_sql) == bool(household_reasons(h, T))
        assert (h.id in not_in_sql) == (not household_reasons(h, T))


def test_birth_dates_in_the_future_are_refused():
    future = f"370102{date.today().year + 1}0101001"
    with pytest.raises(ValueError, match="id_number.birth_date"):
        normalize_id_number(future + "0")
