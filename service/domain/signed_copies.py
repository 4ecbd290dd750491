"""Signed paper back into the record (签字件): a printout signed on paper (a village's month, a household's record, a
排查表) is photographed or scanned from the phone and attached to the very printout its 核验码 names."""
from datetime import datetime
from typing import Callable

from sqlalchemy import func, select

from models import ReportVerification, SignedCopy, User

from .audit import record_write
from .errors import NotFound
from .scope import get_for_write
from .verification import SUBJECTS


def attach_signed_copy(session, actor: User, code: str, save: Callable[[], tuple[str, str]],
                       now: datetime) -> SignedCopy:
    """The signed copy of the printout `code`, kept beside it; by whoever may report in the printout's place (the
    file is stored only once that is known). A second upload is a second copy, never a replacement."""
    stored = session.get(ReportVerification, (code or "").upper()[:20])
    if stored is None:
        raise NotFound("verify.unknown")
    get_for_write(session, SUBJECTS[stored.kind], stored.subject_id, actor, "report_problem")
    path, content_type = save()
    copy = SignedCopy(code=stored.code, path=path, content_type=content_type, uploaded_by_id=actor.id,
                      uploaded_at=now)
    session.add(copy)
    session.flush()
    record_write(session, actor, "create", copy, None)
    return copy


def signed_copies_of(session, codes: list[str]) -> dict[str, list[SignedCopy]]:
    """The signed copies kept for each of these printouts, oldest first."""
    found: dict[str, list[SignedCopy]] = {}
    for copy in session.scalars(select(SignedCopy).where(SignedCopy.code.in_(codes)).order_by(SignedCopy.id)):
        found.setdefault(copy.code, []).append(copy)
    return found


def signed_count(session, code: str) -> tuple[int, datetime | None]:
    """How many signed copies a printout has, and when the latest came."""
    return session.execute(select(func.count(), func.max(SignedCopy.uploaded_at))
                           .where(SignedCopy.code == code)).one()
