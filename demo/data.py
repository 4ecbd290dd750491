"""Demo data: a small set for trying the service, and a county (docs/operations.md, "Benchmarks") for measuring it."""
import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable

from sqlalchemy import case, delete, insert, select, update
from sqlalchemy.orm import aliased
from werkzeug.security import generate_password_hash

from models import (INDICATORS, Agreement, Case, CaseEvent, Delivery, Facility, Household, Project, ProjectFund,
                    ProjectMilestone, ProjectVillage, Region, Staff, Township, Unit, User, Village, Visit)
from models.unit import case_cooperating_units

from service.domain.case_rules import CasePolicy
from service.domain.care import schedule_tests
from service.domain.system_cases import (open_facility_case, open_missed_delivery_cases, sync_care_cases, sync_gap_cases,
                                         sync_survey_cases)
from service.domain.geo import recompute_distances
from service.domain.needs_delivery import Thresholds, needs_delivery_clause, needs_delivery_reasons
from service.domain.planning import plan_deliveries, scheduled_days
from service.domain.identity import IdNumberVault, id_check_char, mask_id_number
from service.domain.monitoring import Leaving, leave_monitoring
from service.domain.projects import record_connection, standard_milestones
from service.domain.rules import Rules
from service.domain.survey import result_of
from service.domain.water_quality import record_water_test


@dataclass(frozen=True)
class Scale:
    townships: int
    villages_per_township: int
    households: int
    agreements: int
    history_days: int
    intervals: tuple[int, ...]  # days between deliveries, drawn per agreement
    tests_per_year: int = 12  # water tests of each central point and well at the tap (and a quarter as many at the source)
    # The small set shows every role a day's work: some gaps left unsigned, yesterday's delivery missed in the
    # demo village, a case to verify (销号) and a re-check (回头看) due. The county set stays as measured.
    days_work: bool = False

    @property
    def villages(self) -> int:
        return self.townships * self.villages_per_township


# The county matches docs/operations.md, "Benchmarks": 3,000 agreements with a year of weekly deliveries (~150,000).
# A province is ten counties' worth on one database (PostgreSQL): 200,000 households, 30,000 agreements, ~1.5 million
# deliveries a year; it is written in bounded memory (a township, or a few thousand rows, at a time).
SCALES = {"small": Scale(2, 3, 60, 10, 35, (2, 3, 7), days_work=True),
          "county": Scale(15, 20, 20_000, 3_000, 365, (7,), tests_per_year=4),
          "province": Scale(150, 20, 200_000, 30_000, 365, (7,), tests_per_year=4)}

# Above the townships: fifteen to a county, five counties to a city, in one province (GB/T 2260 codes).
CITY_NAMES = ["济南市", "青岛市"]
COUNTY_NAMES = ["历下区", "市中区", "槐荫区", "天桥区", "历城区", "市南区", "市北区", "黄岛区", "崂山区", "李沧区"]
TOWNSHIPS_PER_COUNTY, COUNTIES_PER_CITY = 15, 5
TOWNSHIP_NAMES = ["城关镇", "河口镇", "石门镇", "青山乡", "柳林镇", "白马乡", "龙泉镇", "杨庄乡", "新集镇",
                  "东坪乡", "西河镇", "南山乡", "北岭镇", "双桥乡", "高家镇"]
VILLAGE_WORDS = ["张家", "李家", "王庄", "赵岭", "刘河", "陈沟", "杨湾", "黄坡", "周店", "吴营", "徐寨", "孙岗",
                 "马场", "朱楼", "胡桥", "郭洼", "何庄", "高坪", "林场", "罗湾"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "桂英秀英玉兰建国建华志强秀兰明德春生红梅国庆海燕永福淑珍德胜金花长青凤英"
DEMO_PASSWORD = "demo-water-2026"
# The metres spanned by one degree of latitude; households are scattered around their village.
M_PER_DEG = 111_195.0


def _id_number(rng: random.Random, region: str, used: set) -> str:
    """A valid resident ID not yet in `used` (which it joins)."""
    while True:
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 60))
        first17 = f"{region}{born:%Y%m%d}{rng.randrange(1000):03d}"
        if first17 not in used:
            used.add(first17)
            return first17 + id_check_char(first17)


def _name(rng: random.Random) -> str:
    given = GIVEN[rng.randrange(0, len(GIVEN) // 2) * 2:][:2]
    return rng.choice(SURNAMES) + given


def _left(rng: random.Random, today: date) -> dict:
    """The monitoring status of a demo household: mostly still monitored, a few left within the last year."""
    if rng.random() >= 0.02:
        return {"monitoring_status": "monitored", "left_on": None}
    status = rng.choice(["risk_eliminated"] * 6 + ["moved_out", "deceased"])
    return {"monitoring_status": status, "left_on": today - timedelta(days=rng.randrange(1, 360))}


def seed(session, scale: Scale, vault: IdNumberVault, today: date, progress: Callable[[int], None] = lambda n: None):
    """Write the demo data set (bulk inserts, a few statements per village); returns the demo logins."""
    rng = random.Random(2026)
    listed = random.Random(2027)  # the monitoring list's own draws: the rest of the demo stays as it was
    per_village = math.ceil(scale.households / scale.villages)
    remaining = scale.households
    township_ids, village_ids = [], []
    providers: dict[int, int] = {}
    phone_serial = 0
    used_ids: set = set()
    # Every household is registered as of the start of the history, so that a gap's days count from then.
    registered = datetime.combine(today - timedelta(days=scale.history_days), time(1), timezone.utc)
    for t in range(scale.townships):
        code = f"37{t // 15 + 1:02d}{t % 15 + 1:02d}"  # six digits, as a region code: 15 townships a county
        township = Township(name=TOWNSHIP_NAMES[t % len(TOWNSHIP_NAMES)] + ("" if t < 15 else str(t)), code=code)
        session.add(township)
        session.flush()
        township_ids.append(township.id)
        phone_serial += 1
        session.add(Staff(name=_name(rng) + "（镇）", phone=f"+86139{phone_serial:08d}", role="township_lead",
                          township_id=township.id))
        for v in range(scale.villages_per_township):
            base_lat, base_lon = 36.2 + t * 0.05 + rng.random() * 0.04, 117.0 + v * 0.05 + rng.random() * 0.04
            village = Village(township_id=township.id, name=VILLAGE_WORDS[v % 20] + "村", code=f"{code}{v + 1:03d}",
                              is_key=rng.random() < 0.3)
            session.add(village)
            session.flush()
            village_ids.append(village.id)
            staff_rows = []
            for _ in range(2):
                phone_serial += 1
                staff_rows.append({"name": _name(rng), "phone": f"+86139{phone_serial:08d}", "role": "village_staff",
                                   "township_id": township.id, "village_id": village.id})
            staff_ids = session.scalars(insert(Staff).returning(Staff.id), staff_rows).all()
            providers[village.id] = staff_ids[0]
            central = [{"township_id": township.id, "village_id": village.id, "kind": "central_point",
                        "name": f"{village.name}集中供水点", "ownership": "public",
                        "status": "working" if rng.random() > 0.03 else "broken",
                        "manager_id": staff_ids[0], "responsible_unit": f"{township.name}水利站",
                        "lat": base_lat, "lon": base_lon, "last_cleaned_on": date(2026, 10, 1),
                        "supply_class": "small_central", "chlorinated": True,
                        "last_source_check_on": today - timedelta(days=12),
                        "created_at": registered, "updated_at": registered}]
            if rng.random() < 0.35:
                central.append({"township_id": township.id, "village_id": village.id, "kind": "well",
                                "name": f"{village.name}深井", "ownership": "collective",
                                "status": "working" if rng.random() > 0.2 else "low_yield",
                                "manager_id": staff_ids[1], "responsible_unit": f"{village.name}村委会",
                                "yield_m3_day": round(rng.uniform(5, 60), 1), "supply_class": "dispersed",
                                "lat": base_lat + 0.002, "lon": base_lon - 0.002,
                                "created_at": registered, "updated_at": registered})
            facility_ids = session.scalars(insert(Facility).returning(Facility.id), central).all()
            count = min(per_village, remaining)
            remaining -= count
            rows = []
            for h in range(count):
                id_number = _id_number(rng, code, used_ids)
                # About one household in eight lives beyond the 800 m of the convenience standard.
                radius = (rng.uniform(20, 750) if rng.random() < 0.88 else rng.uniform(800, 1_600)) / M_PER_DEG
                angle = rng.uniform(0, 2 * math.pi)
                surveyed = rng.random() < 0.2
                well = len(facility_ids) > 1 and rng.random() < 0.3
                rows.append({
                    "township_id": township.id, "village_id": village.id, "head_name": _name(rng),
                    "id_number_encrypted": vault.encrypt(id_number), "id_number_hash": vault.lookup_hash(id_number),
                    "id_number_masked": mask_id_number(id_number),
                    "phone": f"+86138{phone_serial:04d}{h:04d}" if rng.random() < 0.85 else None,
                    "members": rng.randint(1, 6), "self_care": rng.random() > 0.04,
                    "monitoring_type": rng.choice(["unstable", "marginal", "sudden_hardship"]),
                    "lat": base_lat + radius * math.sin(angle),
                    "lon": base_lon + radius * math.cos(angle) / math.cos(math.radians(base_lat)),
                    "distance_m": round(rng.uniform(100, 950)) if surveyed else None,
                    "distance_computed": False,
                    "vertical_m": round(rng.uniform(0, 90)) if rng.random() < 0.2 else None,
                    "round_trip_min": round(rng.uniform(3, 24)) if rng.random() < 0.2 else None,
                    "water_source": "well" if well else "central_point",
                    "water_source_id": facility_ids[1] if well else facility_ids[0],
                    "created_at": registered, "updated_at": registered,
                    # On the monitoring list since 2021–2025, each with its 帮扶责任人; about one in fifty has left it
                    # (mostly 风险消除) within the last year, and keeps its records.
                    "monitored_since": date(2021, 6, 1) + timedelta(days=listed.randrange(1400)),
                    "support_person_name": _name(listed) if listed.random() < 0.95 else None,
                    "support_person_phone": f"+86137{listed.randrange(10 ** 8):08d}",
                    **_left(listed, today),
                })
            household_ids = session.scalars(insert(Household).returning(Household.id), rows).all() if rows else []
            purifiers = [{"township_id": township.id, "village_id": village.id, "kind": "purifier",
                          "name": f"净水机-{hid}", "ownership": "private", "household_id": hid,
                          "status": "working" if rng.random() > 0.1 else "broken",
                          "last_cleaned_on": date(2026, 9, 1) + timedelta(days=rng.randrange(60))}
                         for hid in household_ids if rng.random() < 0.1]
            if purifiers:
                session.execute(insert(Facility), purifiers)
            progress(1)
        recompute_distances(session, village_ids[-scale.villages_per_township:])  # a township at a time
    province, first_city = _seed_regions(session, township_ids)
    busiest = _seed_agreements(session, rng, scale, providers, today)
    plan_deliveries(session, today, 14)
    first_village = session.get(Village, busiest or village_ids[0])
    if scale.days_work:
        _miss_yesterday(session, first_village.id, today)
    _seed_cases(session, rng, today, registered)
    if scale.days_work:
        _cases_for_the_lead(session, first_village, today)
        _one_left_monitoring(session, first_village, today)
        first_village.is_key = True  # the demo village is a key village (重点村): coverage shows their subtotal
        _seed_visits(session, rng, village_ids, today)
    _seed_units(session)
    logins = [("admin", DEMO_PASSWORD, "county_admin"), ("sheng01", DEMO_PASSWORD, "province_admin"),
              ("shi01", DEMO_PASSWORD, "city_admin"),
              ("zhen01", DEMO_PASSWORD, "township_lead"),
              ("zhen01-worker", DEMO_PASSWORD, "township_worker"),
              ("cun01", DEMO_PASSWORD, "village_staff"),
              ("shuili01", DEMO_PASSWORD, "unit_staff")]
    password_hash = generate_password_hash(DEMO_PASSWORD)
    # The township's and the village's logins are people (责任人): histories and printouts name them, not a login.
    lead = session.scalar(select(Staff.id).where(Staff.township_id == first_village.township_id,
                                                 Staff.role == "township_lead").order_by(Staff.id).limit(1))
    village_staff = session.scalar(select(Staff.id).where(Staff.village_id == first_village.id,
                                                          Staff.role == "village_staff").order_by(Staff.id).limit(1))
    session.add_all([
        User(username="admin", role="county_admin", password_hash=password_hash),
        User(username="sheng01", role="province_admin", region_id=province, password_hash=password_hash),
        User(username="shi01", role="city_admin", region_id=first_city, password_hash=password_hash),
        # The township logins work where the demo village is, so that their 待办 has its day's work.
        User(username="zhen01", role="township_lead", township_id=first_village.township_id, staff_id=lead,
             password_hash=password_hash),
        User(username="zhen01-worker", role="township_worker", township_id=first_village.township_id,
             password_hash=password_hash),
        User(username="cun01", role="village_staff", township_id=first_village.township_id,
             village_id=first_village.id, staff_id=village_staff, password_hash=password_hash),
    ])
    session.flush()
    admin = session.scalar(select(User).where(User.username == "admin"))
    _seed_water_tests(session, rng, scale, admin, first_village.id if scale.days_work else None, today)
    # The county's 水利局, a unit that logs in: it leads the county's repairs and water-quality cases.
    bureau = _water_bureau(session, first_village)
    session.add(User(username="shuili01", role="unit_staff", unit_id=bureau, password_hash=password_hash))
    if scale.days_work:
        _integration_project(session, first_village, bureau, today)
    # Each well's and central point's next test, and a case for each upkeep or test overdue (as the morning's pass).
    policy = CasePolicy({"high": 3, "medium": 7, "low": 14})
    schedule_tests(session, policy.upkeep)
    sync_care_cases(session, today, datetime.now(timezone.utc), policy)
    return logins


def _sample(rng: random.Random, point: str, failing: bool) -> dict:
    """Plausible results of one rural sample; `failing` puts one value past its limit."""
    results = {"turbidity": round(rng.uniform(0.2, 1.4), 2), "ph": round(rng.uniform(6.8, 8.1), 1),
               "colony_count": rng.randrange(3, 90), "total_coliforms": 0, "e_coli": 0,
               "nitrate_n": round(rng.uniform(1.5, 9.0), 1), "fluoride": round(rng.uniform(0.2, 0.9), 2),
               "iron": round(rng.uniform(0.02, 0.2), 2), "manganese": round(rng.uniform(0.01, 0.06), 3),
               "hardness": rng.randrange(120, 380), "tds": rng.randrange(180, 650)}
    if point == "tap":
        results["free_chlorine"] = round(rng.uniform(0.1, 0.5), 2)
    if failing:
        results.update(rng.choice([{"turbidity": round(rng.uniform(3.2, 6.0), 1)}, {"total_coliforms": 2},
                                   {"fluoride": round(rng.uniform(1.3, 1.8), 2)}, {"nitrate_n": 23.0},
                                   {"colony_count": 650}]))
    return results


def _seed_water_tests(session, rng: random.Random, scale: Scale, actor: User, demo_village_id: int | None,
                      today: date) -> None:
    """A year of water tests of each central point and well, oldest first, through the domain's own judging (a few
    exceed a limit and open their cases); in the demo village the latest tap test exceeds, so that its facility
    shows 水质超标 and its case waits in 待办."""
    now = datetime.now(timezone.utc)
    rules = Rules(Thresholds(), CasePolicy({"high": 3, "medium": 7, "low": 14}), today, now)
    facilities = session.execute(select(Facility.id, Facility.village_id).where(
        Facility.kind.in_(("central_point", "well"))).order_by(Facility.id)).all()
    step = 365 // scale.tests_per_year
    for n in reversed(range(scale.tests_per_year)):
        for facility_id, village_id in facilities:
            sampled_on = today - timedelta(days=n * step + rng.randrange(1, step))
            last = n == 0 and village_id == demo_village_id
            for point in ("tap", "source") if n % 4 == 0 else ("tap",):
                failing = (last and point == "tap") or rng.random() < 0.03
                record_water_test(session, actor, {"facility_id": facility_id, "sampled_on": sampled_on,
                                                   "sample_point": point, "lab": "县疾控中心",
                                                   "results": _sample(rng, point, failing)}, rules)


def _seed_agreements(session, rng: random.Random, scale: Scale, providers: dict[int, int], today: date) -> int | None:
    """Active agreements for households that need delivery, with their past deliveries (mostly delivered);
    returns the village with the most agreements (the demo village login works there)."""
    thresholds = Thresholds()
    source = aliased(Facility)
    candidates = session.execute(
        select(Household.id, Household.township_id, Household.village_id, Household.members, Household.phone,
               Household.distance_m,
               Household.vertical_m, Household.round_trip_min, Household.self_care, source.status)
        .outerjoin(source, source.id == Household.water_source_id)
        .where(needs_delivery_clause(thresholds)).order_by(Household.id).limit(scale.agreements)
    ).all()
    if scale.days_work:
        candidates = [h for n, h in enumerate(candidates) if n % 4 != 3]  # a quarter left as gaps to sign
    start = today - timedelta(days=scale.history_days)
    agreement_rows = []
    for h in candidates:
        reasons = needs_delivery_reasons(thresholds, distance_m=h.distance_m, vertical_m=h.vertical_m,
                                         round_trip_min=h.round_trip_min, self_care=h.self_care,
                                         source_status=h.status)
        interval = rng.choice(scale.intervals)
        agreement_rows.append({
            "household_id": h.id, "provider_id": providers[h.village_id], "reason": reasons[0],
            "interval_days": interval, "liters_per_delivery": 35 * interval * h.members, "start_on": start + timedelta(days=rng.randrange(7)),
            "end_on": today + timedelta(days=rng.randrange(10, 400)), "signed_on": start, "status": "active"})
    ids = session.scalars(insert(Agreement).returning(Agreement.id), agreement_rows).all() if agreement_rows else []
    deliveries = []
    for agreement_id, row, h in zip(ids, agreement_rows, candidates, strict=True):
        for day in scheduled_days(row["start_on"], None, row["interval_days"], None, row["start_on"],
                                  today - timedelta(days=1)):
            missed = rng.random() < 0.015
            confirmation = None if missed else ("no_phone" if h.phone is None else
                                                rng.choice(["confirmed"] * 8 + ["expired", "disputed"]))
            delivered_at = datetime.combine(day, time(9), timezone(timedelta(hours=8))) + timedelta(
                minutes=rng.randrange(480))
            deliveries.append({
                "agreement_id": agreement_id, "household_id": row["household_id"], "township_id": h.township_id,
                "scheduled_for": day,
                "unplanned": False, "status": "missed" if missed else "delivered",
                "delivered_at": None if missed else delivered_at,
                "liters": None if missed else row["liters_per_delivery"], "deliverer_id": row["provider_id"],
                "confirmation": confirmation, "logged_at": None if missed else delivered_at,
                "confirmed_at": delivered_at + timedelta(minutes=rng.randrange(5, 600))
                if confirmation in ("confirmed", "disputed") else None})
        if len(deliveries) >= 5_000:  # written as they are made: a province's year would not fit in memory
            session.execute(insert(Delivery), deliveries)
            deliveries = []
    if deliveries:
        session.execute(insert(Delivery), deliveries)
    villages = [h.village_id for h in candidates]
    return max(set(villages), key=villages.count) if villages else None


# The county's departments that lead or cooperate in cases, with a contact each.
DEPARTMENTS = (("县水利局", "department", "李科长", "0531-88000101"), ("县卫生健康局", "department", "王科长", "0531-88000102"),
               ("生态环境局县分局", "department", "赵科长", "0531-88000103"), ("县自来水公司", "company", "刘经理", "0531-88000104"))


def _water_bureau(session, village: Village) -> int:
    """The 水利局 of the village's county: it leads that county's repairs and water-quality cases, and cooperates on
    its townships' sanitation cases."""
    county_id = session.scalar(select(Township.county_id).where(Township.id == village.township_id))
    bureau = session.scalar(select(Unit).where(Unit.name == "县水利局", Unit.county_id == county_id))
    townships = select(Township.id).where(Township.county_id == county_id)
    session.execute(update(Case).where(Case.township_id.in_(townships),
                                       Case.kind.in_(("facility_repair", "well_low_yield", "water_quality")))
                    .values(lead_unit_id=bureau.id, lead_unit=bureau.name).execution_options(synchronize_session=False))
    sanitation = session.scalars(select(Case.id).where(Case.township_id.in_(townships), Case.kind == "sanitation")).all()
    if sanitation:
        session.execute(insert(case_cooperating_units), [{"case_id": i, "unit_id": bureau.id} for i in sanitation])
    return bureau.id


def _integration_project(session, village: Village, bureau: int, today: date) -> None:
    """The demo township's 城乡供水一体化 project, led by the county's 水利局: its steps back-scheduled from a target
    half a year away (the first two done, the third late), funds received, and one other village of the township
    already connected (通水验收 a month ago); the demo village is left to connect from the project's page."""
    villages = session.scalars(select(Village.id).where(Village.township_id == village.township_id)
                               .order_by(Village.id)).all()
    start = today - timedelta(days=120)
    steps = standard_milestones(start, today + timedelta(days=180))
    for step in steps[:2]:
        step["done_on"] = step["due_on"]
    project = Project(name=f"{village.township.name}城乡供水一体化工程", township_id=village.township_id,
                      lead_unit_id=bureau, target_on=today + timedelta(days=180), budget_wan=860,
                      villages=[ProjectVillage(village_id=v) for v in villages],
                      milestones=[ProjectMilestone(**step) for step in steps],
                      funds=[ProjectFund(received_on=start + timedelta(days=30), amount_wan=400, source="中央预算内投资"),
                             ProjectFund(received_on=today - timedelta(days=20), amount_wan=150, source="县级配套")])
    session.add(project)
    session.flush()
    rules = Rules(Thresholds(), CasePolicy({"high": 3, "medium": 7, "low": 14}), today, datetime.now(timezone.utc))
    for other in [v for v in villages if v != village.id][:1]:
        record_connection(session, project, {"village_id": other, "connected_on": today - timedelta(days=30),
                                             "note": "管网入户，验收合格"}, rules)


def _seed_units(session) -> None:
    """The units of the ledger: each county's departments and each township's office, which leads its cases."""
    session.add_all([Unit(name=name, kind=kind, contact=contact, phone=phone, county_id=county_id)
                     for county_id in session.scalars(select(Region.id).where(Region.level == "county"))
                     for name, kind, contact, phone in DEPARTMENTS])
    for township in session.scalars(select(Township)):
        unit = Unit(name=township.name, kind="township", township_id=township.id)
        session.add(unit)
        session.flush()
        session.execute(update(Case).where(Case.township_id == township.id, Case.lead_unit == township.name)
                        .values(lead_unit_id=unit.id).execution_options(synchronize_session=False))


def _seed_cases(session, rng: random.Random, today: date, registered: datetime) -> None:
    """The ledger as the data would have left it: a case per gap (open since its household was registered), per
    failed facility and per missed delivery, the older ones long since verified and closed, a few relapsed."""
    now = datetime.now(timezone.utc)
    policy = CasePolicy({"high": 3, "medium": 7, "low": 14})
    sync_gap_cases(session, today, now, Thresholds(), policy)
    session.execute(update(Case).where(Case.kind == "missing_agreement").values(created_at=registered))
    for facility in session.scalars(select(Facility).where(Facility.status.in_(("broken", "low_yield")))):
        open_facility_case(session, facility, today, now, policy)
    missed = session.scalars(select(Delivery.id).where(Delivery.status == "missed")).all()
    open_missed_delivery_cases(session, missed, today, now, policy)
    session.execute(
        update(Case).where(Case.kind == "missed_delivery", Case.delivery_id.in_(
            select(Delivery.id).where(Delivery.scheduled_for < today - timedelta(days=14))))
        .values(status="closed", resolution_note="补送完成", standard="按协议补送到户，村民确认收到",
                resolved_at=now, verified_at=now,
                relapse_count=case((Case.id % 17 == 0, 1), else_=0), deadline=today - timedelta(days=10))
        .execution_options(synchronize_session=False))


def _one_left_monitoring(session, village: Village, today: date) -> None:
    """One served household of the demo village left the monitoring list (风险消除) five days ago: its agreement
    ended the day before with that reason and its deliveries since were called off; its records stay."""
    household = session.scalar(select(Household).join(Agreement, Agreement.household_id == Household.id).where(
        Household.village_id == village.id, Agreement.status == "active").order_by(Household.id.desc()).limit(1))
    if household is not None:
        rules = Rules(Thresholds(), CasePolicy({"high": 3, "medium": 7, "low": 14}), today,
                      datetime.now(timezone.utc))
        leave_monitoring(session, None, [Leaving(household, "risk_eliminated", today - timedelta(days=5))], rules)


def _seed_regions(session, township_ids: list[int]) -> tuple[int, int]:
    """The province, its cities and counties above the townships (fifteen townships a county, five counties a city);
    the province's id and the first city's."""
    province = Region(name="山东省", code="370000", level="province")
    session.add(province)
    session.flush()
    cities, counties, members = {}, {}, {}
    for t, township_id in enumerate(township_ids):
        c = t // TOWNSHIPS_PER_COUNTY
        city_index = c // COUNTIES_PER_CITY
        if city_index not in cities:
            cities[city_index] = Region(name=CITY_NAMES[city_index % len(CITY_NAMES)] + ("" if city_index < 2 else
                                        str(city_index)), code=f"37{city_index + 1:02d}00", level="city",
                                        parent_id=province.id)
            session.add(cities[city_index])
            session.flush()
        if c not in counties:
            counties[c] = Region(name=COUNTY_NAMES[c % len(COUNTY_NAMES)] + ("" if c < 10 else str(c)),
                                 code=f"37{city_index + 1:02d}{c % COUNTIES_PER_CITY + 1:02d}", level="county",
                                 parent_id=cities[city_index].id)
            session.add(counties[c])
            session.flush()
        members.setdefault(counties[c].id, []).append(township_id)
    for county_id, townships in members.items():
        session.execute(update(Township).where(Township.id.in_(townships)).values(county_id=county_id))
    return province.id, cities[0].id


def _seed_visits(session, rng: random.Random, village_ids: list[int], today: date) -> None:
    """逐户排查 this year: about two households in three visited, most safe, a few unsafe (each with its case)."""
    households = session.execute(select(Household.id, Household.township_id, Household.village_id)
                                 .where(Household.village_id.in_(village_ids)).order_by(Household.id)).all()
    start = date(today.year, 1, 1)
    rows = []
    for household in households:
        if rng.random() > 0.65:
            continue
        verdicts = {name: rng.choices(("met", "basic", "failed"), (90, 8, 2))[0] for name in INDICATORS}
        rows.append({"household_id": household.id, "township_id": household.township_id,
                     "village_id": household.village_id,
                     "visited_on": max(start, today - timedelta(days=rng.randrange(1, 200))),
                     "surveyor_name": _name(rng), "quality_judged": verdicts["quality"], **verdicts,
                     "result": result_of(verdicts), "created_at": datetime.now(timezone.utc)})
    if rows:
        session.execute(insert(Visit), rows)
        sync_survey_cases(session, [row["household_id"] for row in rows], today, datetime.now(timezone.utc),
                          CasePolicy({"high": 3, "medium": 7, "low": 14}))


def _miss_yesterday(session, village_id: int, today: date) -> None:
    """One household of the demo village was not served yesterday: 今日送水 offers to log it late."""
    yesterday = today - timedelta(days=1)
    agreement = session.scalar(select(Agreement).join(Household, Household.id == Agreement.household_id)
                               .where(Household.village_id == village_id, Agreement.status == "active")
                               .order_by(Agreement.id).limit(1))
    if agreement is None:
        return
    session.execute(delete(Delivery).where(Delivery.agreement_id == agreement.id, Delivery.scheduled_for == yesterday))
    session.add(Delivery(agreement_id=agreement.id, household_id=agreement.household_id, scheduled_for=yesterday,
                         unplanned=False, status="missed", deliverer_id=agreement.provider_id))
    session.flush()


def _cases_for_the_lead(session, village: Village, today: date) -> None:
    """A case fixed and waiting for 销号, and one verified weeks ago whose 回头看 is due today."""
    now = datetime.now(timezone.utc)
    township = session.get(Township, village.township_id)
    common = {"township_id": village.township_id, "village_id": village.id, "kind": "sanitation", "severity": "low",
              "lead_unit": township.name, "relapse_count": 0}
    resolved = Case(**common, description="水源地周边有垃圾", status="resolved", deadline=today + timedelta(days=4),
                    resolution_note="已清理并设立警示牌", resolved_at=now, created_at=now - timedelta(days=3))
    rechecked = Case(**common, description="集中供水点蓄水池未加盖", status="verified", deadline=today - timedelta(days=20),
                     resolution_note="已加装盖板", standard="蓄水池加盖上锁，周边无杂物", resolved_at=now - timedelta(days=29),
                     verified_at=now - timedelta(days=28), recheck_due_on=today, created_at=now - timedelta(days=35))
    session.add_all([resolved, rechecked])
    session.flush()
    session.add_all([CaseEvent(case_id=case.id, action=action, to_status=status, note=note, at=at)
                     for case, steps in ((resolved, [("opened", "open", None, now - timedelta(days=3)),
                                                     ("transition", "resolved", "已清理并设立警示牌", now)]),
                                         (rechecked, [("opened", "open", None, now - timedelta(days=35)),
                                                      ("transition", "resolved", "已加装盖板", now - timedelta(days=29)),
                                                      ("transition", "verified", None, now - timedelta(days=28))]))
                     for action, status, note, at in steps])
