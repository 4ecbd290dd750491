"""A township's to-do list (待办): what its workers and leads have to do today, in a fixed handful of queries."""
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from models import Agreement, Case, Delivery, Household, User, UNRESOLVED_CASE_STATUSES

from .case_rules import overdue_clause, recheck_due_clause
from .gaps import gap_clause
from .needs_delivery import Thresholds
from .scope import Scope

SHOWN = 20
DUE_WITHIN_DAYS = 3  # a case due this soon is on the list


def _listed(session, stmt, order, options=()) -> dict:
    """The first SHOWN rows of `stmt` and how many there are in all."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return {"total": total, "items": session.scalars(stmt.options(*options).order_by(*order).limit(SHOWN)).all()}


def township_todo(session, actor: User, today: date, thresholds: Thresholds, backdate_days: int) -> dict:
    """Gaps to sign (with the draft agreement waiting for a signature, if any), cases due (or overdue), cases
    waiting for 销号 by someone other than who resolved them, re-checks due, and missed deliveries still inside
    the backdating window: each the first few, oldest or most urgent first, with how many in all."""
    scope = Scope.of(actor)
    active = Case.status.in_(UNRESOLVED_CASE_STATUSES)
    # Each case row names its household or facility: rows that read the same help nobody.
    subject = (selectinload(Case.village), selectinload(Case.household), selectinload(Case.facility))
    cases = scope.restrict(select(Case), Case)
    gaps = _listed(session, scope.restrict(select(Household), Household).where(gap_clause(thresholds)),
                   (Household.village_id, Household.id), (selectinload(Household.village),))
    gaps["drafts"] = dict(session.execute(select(Agreement.household_id, Agreement.id).where(
        Agreement.household_id.in_([h.id for h in gaps["items"]]), Agreement.status == "draft")).all())
    return {
        "gaps": gaps,
        # 长期坚持 is due by its next progress entry.
        "cases_due": _listed(session, cases.where(active, func.coalesce(Case.deadline, Case.progress_due_on) <=
                                                  today + timedelta(days=DUE_WITHIN_DAYS)),
                             (func.coalesce(Case.deadline, Case.progress_due_on), Case.id),
                             subject + (selectinload(Case.milestones),)),
        "overdue": session.scalar(select(func.count()).select_from(
            cases.where(overdue_clause(today)).order_by(None).subquery())),
        "to_verify": _listed(session, cases.where(Case.status == "resolved", or_(
            Case.resolved_by_id.is_(None), Case.resolved_by_id != actor.id)), (Case.resolved_at, Case.id), subject),
        "rechecks": _listed(session, cases.where(recheck_due_clause(today)), (Case.recheck_due_on, Case.id), subject),
        "missed": _listed(session, scope.restrict(select(Delivery), Delivery).where(
            Delivery.status == "missed", Delivery.scheduled_for >= today - timedelta(days=backdate_days)),
            (Delivery.scheduled_for, Delivery.id), (selectinload(Delivery.household).selectinload(Household.village),)),
    }
