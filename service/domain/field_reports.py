"""Reports sent from the phone (报修, 恢复正常, 报告问题, 入户排查, 整改进展): each kept once by the key the phone gave
it, with when it was tapped (on the server's clock, worked out from the phone's), how far the phone's clock was
off, and where the phone was when it was offered its position (none when refused)."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from models import Case, CaseEvent, Facility, FacilityStatusChange, FieldReport, Household, User, Visit

from .catalogue import Message
from .geo import great_circle_m
from .errors import FieldErrors

# Longer than any backdating window: a tap older than this is refused by the window's rule, not lost to overflow.
LONGEST_QUEUED = timedelta(days=400)


@dataclass(frozen=True)
class Position:
    lat: float
    lon: float
    accuracy_m: float | None


def position_of(values: dict) -> Position | None:
    """The phone's position from the form's `lat`, `lon` and `accuracy` (meters); None when none was sent.
    FieldErrors naming each value that is not one."""
    texts = {name: (values.get(name) or "").strip() for name in ("lat", "lon", "accuracy")}
    if not texts["lat"] and not texts["lon"]:
        return None
    bounds = {"lat": (-90, 90), "lon": (-180, 180), "accuracy": (0, 100_000)}
    numbers, errors = {}, {}
    for name, (low, high) in bounds.items():
        if not texts[name] and name == "accuracy":
            numbers[name] = None
            continue
        try:
            numbers[name] = float(texts[name])
        except ValueError:
            errors[name] = [Message("value.number")]
            continue
        if not low <= numbers[name] <= high:
            errors[name] = [Message("value.between", min=low, max=high)]
    if errors:
        raise FieldErrors(errors)
    return Position(numbers["lat"], numbers["lon"], numbers["accuracy"])


def clock_of(tapped_ms: str | None, phone_now_ms: str | None, now: datetime) -> tuple[datetime | None, int | None]:
    """When a form (a field report, a delivery tap) was tapped on the server's clock, and the phone's clock minus the
    server's in seconds: from the tap's and the sending's times by the phone's clock (either may be missing from a
    plain form)."""
    try:
        phone_now = int(phone_now_ms)
    except (TypeError, ValueError):
        return None, None
    offset = round(phone_now / 1000 - now.timestamp())
    try:
        elapsed = timedelta(milliseconds=phone_now - int(tapped_ms))
    except (TypeError, ValueError):
        return None, offset
    return now - min(max(elapsed, timedelta(0)), LONGEST_QUEUED), offset


def find_field_report(session, actor: User, key: str) -> FieldReport | None:
    """The report the actor already sent with this key (a replay is answered from it)."""
    return session.scalar(select(FieldReport).where(FieldReport.user_id == actor.id, FieldReport.idempotency_key == key))


def record_field_report(session, actor: User, key: str, kind: str, answer_url: str, now: datetime, *,
                        request_digest: str | None = None, tapped_ms=None, phone_now_ms=None,
                        position: Position | None = None, sent_later=False,
                        case_id: int | None = None, visit_id: int | None = None,
                        facility_id: int | None = None) -> FieldReport:
    """Keep what the phone sent beside what it made: the case (a facility's latest, for 报修 and 恢复正常) or the
    visit; how far its position was from what it is about; and, on what it made, when it arrived if that was well
    after the tap (补报)."""
    if case_id is None and facility_id is not None:
        case_id = session.scalar(select(Case.id).where(Case.facility_id == facility_id).order_by(Case.id.desc())
                                 .limit(1))
    tapped_at, offset = clock_of(tapped_ms, phone_now_ms, now)
    distance = None
    if position is not None:
        place = place_of(session, case_id, visit_id, facility_id)
        distance = round(great_circle_m(position.lat, position.lon, *place) / 1000, 1) if place else None
    report = FieldReport(user_id=actor.id, idempotency_key=key, request_digest=request_digest, kind=kind,
                         answer_url=answer_url, case_id=case_id,
                         visit_id=visit_id, tapped_at=tapped_at, received_at=now, clock_offset_s=offset,
                         sent_later=sent_later, lat=position.lat if position else None,
                         lon=position.lon if position else None, accuracy_m=position.accuracy_m if position else None,
                         distance_km=distance)
    session.add(report)
    session.flush()
    if tapped_at is not None and now - tapped_at >= REPORTED_LATER:
        mark_reported_later(session, tapped_at, now, case_id, visit_id, facility_id)
    return report


# A tap that reached the server this much later is marked 补报 where its records are shown.
REPORTED_LATER = timedelta(minutes=5)


def mark_reported_later(session, tapped_at: datetime, received_at: datetime, case_id: int | None,
                        visit_id: int | None, facility_id: int | None) -> None:
    """What a queued report made, dated by its tap, also says when it reached the server."""
    if case_id is not None:
        session.execute(update(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.at == tapped_at,
                                                CaseEvent.reported_at.is_(None)).values(reported_at=received_at))
    if visit_id is not None:
        session.execute(update(Visit).where(Visit.id == visit_id).values(reported_at=received_at))
    if facility_id is not None:
        session.execute(update(FacilityStatusChange).where(FacilityStatusChange.facility_id == facility_id,
                                                           FacilityStatusChange.at == tapped_at)
                        .values(reported_at=received_at))


def place_of(session, case_id: int | None, visit_id: int | None, facility_id: int | None) \
        -> tuple[float, float] | None:
    """Where what a report is about is: its household's or facility's coordinates, else the middle of its village's
    registered households and facilities; None when nothing there has coordinates."""
    household_id = village_id = None
    if visit_id is not None:
        household_id = session.scalar(select(Visit.household_id).where(Visit.id == visit_id))
    elif facility_id is None and case_id is not None:
        household_id, facility_id, village_id = session.execute(
            select(Case.household_id, Case.facility_id, Case.village_id).where(Case.id == case_id)).one()
    for model, record_id in ((Household, household_id), (Facility, facility_id)):
        if record_id is not None:
            lat, lon, village_id = session.execute(select(model.lat, model.lon, model.village_id)
                                                   .where(model.id == record_id)).one()
            if lat is not None and lon is not None:
                return lat, lon
    if village_id is None:
        return None
    points = [(lat, lon) for model in (Household, Facility) for lat, lon in session.execute(
        select(func.avg(model.lat), func.avg(model.lon)).where(model.village_id == village_id,
                                                               model.lat.is_not(None), model.lon.is_not(None)))
        if lat is not None]
    return points[0] if points else None
