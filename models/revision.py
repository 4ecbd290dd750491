"""Village revisions: every committed write that can change a village's figures raises that village's revision in
the same transaction, so that figures kept between requests (and in other processes) are known to be current by
reading one column (docs/operations.md, "Figures kept between requests").

A write is traced to its villages from the rows it flushes: a household, case, water test or village by its own
village, a delivery or agreement through its household, a delivery's correction through the delivery, a facility
through the households it is the water source of. A write the session cannot trace (a bulk UPDATE or INSERT, raw
SQL, a township renamed) raises every village's: such writes are the daily jobs and imports, rare next to the
reads. Tables that no figure reads (their model says `counted = False`) never count.

The listeners are registered by the app factory (`register_revision_listeners`), not by importing the models.
"""
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from .agreement import Agreement
from .base import db
from .case import Case
from .delivery import Delivery, DeliveryCorrection
from .facility import Facility
from .household import Household
from .place import Village
from .spot_check import SpotCheckHousehold
from .visit import Visit
from .water_test import WaterTest


@cache
def uncounted_tables() -> frozenset:
    """The tables whose rows no kept figure reads: their models say `counted = False` (a delivery's SMS answer is
    counted through the delivery it changes)."""
    return frozenset(mapper.class_.__tablename__ for mapper in db.Model.registry.mappers
                     if not mapper.class_.counted)


_BY_VILLAGE = (Household, Case, WaterTest, Village, Visit, SpotCheckHousehold)
_BY_HOUSEHOLD = (Delivery, Agreement)
# Above this many traced households one UPDATE of every village is cheaper than finding theirs.
_TRACED_AT_MOST = 500
_TOUCHED = "village_revisions.touched"
_RAISING = "village_revisions.raising"


@dataclass
class _Touched:
    villages: set = field(default_factory=set)
    households: set = field(default_factory=set)
    deliveries: set = field(default_factory=set)
    facilities: set = field(default_factory=set)
    everything: bool = False


def _touched(session) -> _Touched:
    return session.info.setdefault(_TOUCHED, _Touched())


def _old_and_new(instance, name: str) -> set:
    """The attribute's value and, when it changed in this flush, its previous one (loaded if it was expired)."""
    history = inspect(instance).attrs[name].load_history()
    return {value for value in (*history.added, *history.deleted, *history.unchanged) if value is not None}


def _own_id(instance) -> set:
    identity = inspect(instance).identity
    return set(identity) if identity else set()


def _note_flushed_rows(session, flush_context) -> None:
    # After the flush the foreign keys set through relationships are filled in; new, dirty and deleted still
    # hold what was flushed, with its history.
    touched = _touched(session)
    for instance in (*session.new, *session.dirty, *session.deleted):
        if instance in session.dirty and not session.is_modified(instance):
            continue
        if isinstance(instance, Village):
            touched.villages |= _own_id(instance)
        elif isinstance(instance, _BY_VILLAGE):
            touched.villages |= _old_and_new(instance, "village_id")
        elif isinstance(instance, _BY_HOUSEHOLD):
            touched.households |= _old_and_new(instance, "household_id")
        elif isinstance(instance, DeliveryCorrection):
            touched.deliveries |= _old_and_new(instance, "delivery_id")
        elif isinstance(instance, Facility):
            touched.villages |= _old_and_new(instance, "village_id")
            touched.facilities |= _own_id(instance)
        elif instance.counted:
            touched.everything = True


def _note_statements(state):
    if not (state.is_insert or state.is_update or state.is_delete or _textual_write(state.statement)) \
            or state.session.info.get(_RAISING):
        return None
    table = getattr(state.statement, "table", None)
    if table is not None and table.name in uncounted_tables():
        return None
    result = state.invoke_statement()
    if getattr(state.statement, "_returning", ()):  # RETURNING: its rows say whether anything changed
        frozen = result.freeze()
        if frozen().all():
            _touched(state.session).everything = True
        return frozen()
    if getattr(result, "rowcount", -1) != 0:  # a daily job that found nothing to do changes no figure
        _touched(state.session).everything = True
    return result


def _textual_write(statement) -> bool:
    return getattr(statement, "_is_textual", False) and not str(statement).lstrip().lower().startswith("select")


def _raise_revisions(session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the outer transaction's commit raises them all
        return
    session.flush()  # the rows still pending are traced too
    touched = session.info.pop(_TOUCHED, None)
    if touched is None:
        return
    raised = update(Village).values(revision=Village.revision + 1, updated_at=Village.updated_at) \
        .execution_options(synchronize_session=False)
    session.info[_RAISING] = True
    try:
        if touched.everything or len(touched.households) + len(touched.deliveries) > _TRACED_AT_MOST:
            session.execute(raised)
            return
        villages = set(touched.villages)
        if touched.households:
            villages.update(session.scalars(select(Household.village_id).where(
                Household.id.in_(sorted(touched.households))).distinct()))
        if touched.deliveries:
            villages.update(session.scalars(select(Household.village_id).join(
                Delivery, Delivery.household_id == Household.id).where(Delivery.id.in_(sorted(touched.deliveries)))
                .distinct()))
        if touched.facilities:
            villages.update(session.scalars(select(Household.village_id).where(
                Household.water_source_id.in_(sorted(touched.facilities))).distinct()))
        if villages:
            session.execute(raised.where(Village.id.in_(sorted(villages))))
    finally:
        session.info.pop(_RAISING, None)
        session.info.pop(_TOUCHED, None)  # what the lookups' own autoflush noted is raised already


def _forget_rolled_back(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_TOUCHED, None)


_LISTENERS = {"after_flush": _note_flushed_rows, "do_orm_execute": _note_statements, "before_commit": _raise_revisions,
              "after_transaction_end": _forget_rolled_back}


def register_revision_listeners() -> None:
    """Raise village revisions on every session's commit from now on (once per process, whatever the apps)."""
    for name, listener in _LISTENERS.items():
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
