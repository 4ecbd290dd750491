"""The delivery figures of the dashboard, overall and per village, in a fixed handful of queries."""
from datetime import date, timedelta

from sqlalchemy import case, func, select

from models import Agreement, Delivery, Household, Village

from .agreements import renewal_due_clause
from .gaps import gap_clause
from .needs_delivery import Thresholds, needs_delivery_clause
from .scope import Scope

FIGURES = ("households", "needs_delivery", "gaps", "active_agreements", "due_for_renewal", "planned_today",
           "logged_today", "missed_7d")


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def delivery_dashboard(session, scope: Scope, today: date, thresholds: Thresholds,
                       township_id: int | None = None) -> dict:
    """Households needing delivery, gaps, agreements, and today's and the last week's deliveries."""
    villages = scope.restrict(select(Village.id, Village.name, Village.township_id, Village.is_key), Village)
    if township_id is not None:
        villages = villages.where(Village.township_id == township_id)
    village_rows = session.execute(villages.order_by(Village.township_id, Village.id)).all()
    ids = [row.id for row in village_rows]
    figures = {row.id: dict.fromkeys(FIGURES, 0) for row in village_rows}

    for row in session.execute(
        select(Household.village_id, func.count(), _count_if(needs_delivery_clause(thresholds)),
               _count_if(gap_clause(thresholds)))
        .where(Household.village_id.in_(ids)).group_by(Household.village_id)
    ):
        figures[row[0]].update(households=row[1], needs_delivery=row[2], gaps=row[3])

    for row in session.execute(
        select(Household.village_id, _count_if(Agreement.status == "active"), _count_if(renewal_due_clause(today)))
        .join(Household, Household.id == Agreement.household_id)
        .where(Household.village_id.in_(ids), Agreement.status == "active").group_by(Household.village_id)
    ):
        figures[row[0]].update(active_agreements=row[1], due_for_renewal=row[2])

    week_ago = today - timedelta(days=7)
    for row in session.execute(
        select(Household.village_id,
               _count_if((Delivery.scheduled_for == today) & ~Delivery.unplanned & (Delivery.status != "cancelled")),
               _count_if((Delivery.scheduled_for == today) & (Delivery.status == "delivered")),
               _count_if((Delivery.status == "missed") & (Delivery.scheduled_for >= week_ago)))
        .join(Household, Household.id == Delivery.household_id)
        .where(Household.village_id.in_(ids), Delivery.scheduled_for >= week_ago, Delivery.scheduled_for <= today)
        .group_by(Household.village_id)
    ):
        figures[row[0]].update(planned_today=row[1], logged_today=row[2], missed_7d=row[3])

    per_village = [{"village_id": row.id, "village_name": row.name, "township_id": row.township_id,
                    "is_key": row.is_key, **figures[row.id]} for row in village_rows]
    overall = {key: sum(v[key] for v in per_village) for key in FIGURES}
    return {"date": today, "overall": overall, "villages": per_village}
