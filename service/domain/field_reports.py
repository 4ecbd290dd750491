"""Reports sent from the phone (报修, 恢复正常, 报告问题, 入户排查, 整改进展): each kept once by the key the phone gave
it, with when it was tapped (on the server's clock, worked out from the phone's), how far the phone's clock was
off, and where the phone was when it was offered its position (none when refused)."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from models import Case, FieldReport, User

from .catalogue import Message
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
                        request_digest: str | None = None, tapped_ms=None, phone_now_ms=None, position: Position | None = None, sent_later=False,
                        case_id: int | None = None, visit_id: int | None = None,
                        facility_id: int | None = None) -> FieldReport:
    """Keep what the phone sent beside what it made: the case (a facility's latest, for 报修 and 恢复正常) or the
    visit."""
    if case_id is None and facility_id is not None:
        case_id = session.scalar(select(Case.id).where(Case.facility_id == facility_id).order_by(Case.id.desc())
                                 .limit(1))
    tapped_at, offset = clock_of(tapped_ms, phone_now_ms, now)
    report = FieldReport(user_id=actor.id, idempotency_key=key, request_digest=request_digest, kind=kind,
                         answer_url=answer_url, case_id=case_id,
                         visit_id=visit_id, tapped_at=tapped_at, received_at=now, clock_offset_s=offset,
                         sent_later=sent_later, lat=position.lat if position else None,
                         lon=position.lon if position else None, accuracy_m=position.accuracy_m if position else None)
    session.add(report)
    session.flush()
    return report
