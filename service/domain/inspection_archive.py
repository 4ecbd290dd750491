"""What a township's inspection archive (迎检档案) holds for a period: its households and agreements, and a
fingerprint of its data so that an archive built before is never served stale."""
import hashlib
from datetime import date

from sqlalchemy import func, or_, select

from models import (Agreement, Case, CaseEvent, CaseEvidence, Delivery, DeliveryCorrection, Facility, FacilityCare,
                    Household, SignedCopy, Staff, Township, Unit, Village, Visit, WaterTest)

from .agreements import agreement_overlaps


def archive_households(session, township_id: int, date_from: date, date_to: date) -> list[Household]:
    """The township's households with a delivery in the period or an agreement in force during it."""
    delivered = select(Delivery.household_id).where(Delivery.scheduled_for >= date_from,
                                                    Delivery.scheduled_for <= date_to)
    agreed = select(Agreement.household_id).where(agreement_overlaps(date_from, date_to))
    return session.scalars(select(Household).where(
        Household.township_id == township_id, or_(Household.id.in_(delivered), Household.id.in_(agreed)))
        .order_by(Household.village_id, Household.id)).all()


def archive_agreements(session, households: list[Household], date_from: date, date_to: date) -> list[Agreement]:
    """The agreements of those households in force during the period, oldest first."""
    return session.scalars(select(Agreement).where(
        Agreement.household_id.in_([h.id for h in households]), agreement_overlaps(date_from, date_to))
        .order_by(Agreement.id)).all()


def data_version(session, township_id: int, date_from: date, date_to: date) -> str:
    """A fingerprint of what the township's archive would contain, so a cached archive is never served stale."""
    in_township = Household.township_id == township_id
    deliveries = session.execute(
        select(func.count(), func.max(Delivery.id), func.max(Delivery.logged_at), func.max(Delivery.confirmed_at))
        .join(Household, Household.id == Delivery.household_id)
        .where(in_township, Delivery.scheduled_for >= date_from, Delivery.scheduled_for <= date_to)).one()
    corrections = session.execute(select(func.count(), func.max(DeliveryCorrection.id))
                                  .join(Delivery, Delivery.id == DeliveryCorrection.delivery_id)
                                  .join(Household, Household.id == Delivery.household_id).where(in_township)).one()
    changed = session.execute(select(func.max(Household.updated_at), func.count()).where(in_township)).one()
    agreements = session.execute(select(func.max(Agreement.updated_at), func.count()).join(Household)
                                 .where(in_township)).one()
    cases = session.execute(select(func.max(Case.updated_at), func.count()).where(Case.township_id == township_id)).one()
    # The ledger's progress entries and the cases' evidence files.
    case_steps = session.execute(select(func.count(), func.max(CaseEvent.id)).join(Case, Case.id == CaseEvent.case_id)
                                 .where(Case.township_id == township_id)).one()
    evidence = session.execute(select(func.count(), func.max(CaseEvidence.id)).join(Case, Case.id == CaseEvidence.case_id)
                               .where(Case.township_id == township_id)).one()
    units = session.execute(select(func.max(Unit.updated_at), func.count())).one()
    # Names printed on the pages: villages, the township, staff.
    names = session.execute(select(func.max(Village.updated_at), func.max(Township.updated_at))
                            .join(Township, Township.id == Village.township_id)
                            .where(Village.township_id == township_id)).one()
    staff = session.execute(select(func.max(Staff.updated_at)).where(Staff.township_id == township_id)).one()
    tests = session.execute(select(func.count(), func.max(WaterTest.id)).where(WaterTest.township_id == township_id)
                            ).one()
    visits = session.execute(select(func.count(), func.max(Visit.id)).where(Visit.township_id == township_id)).one()
    # Upkeep records: the manifest lists a facility without one as missing.
    care = session.execute(select(func.count(), func.max(FacilityCare.id)).join(Facility)
                           .join(Village, Village.id == Facility.village_id)
                           .where(Village.township_id == township_id)).one()
    signed = session.execute(select(func.count(), func.max(SignedCopy.id))).one()  # 签字件 ride beside their printouts
    # The 工程管护台账: every facility as it stands.
    facilities = session.execute(select(func.count(), func.max(Facility.updated_at))
                                 .where(Facility.township_id == township_id)).one()
    return hashlib.sha256(repr((deliveries, corrections, changed, agreements, cases, case_steps, evidence, units, names,
                                staff, tests, visits, care, signed, facilities))
                          .encode()).hexdigest()[:16]
