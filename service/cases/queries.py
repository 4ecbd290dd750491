"""The case list as both the API and the pages read it: its filters (region, overdue, 进展逾期, re-check due, relapsed,
未整改, source, category, lead and cooperating units, the days it was opened)."""
from datetime import timedelta

from flask import Response
from sqlalchemy.orm import selectinload

from models import UNRESOLVED_CASE_STATUSES, Case, Unit, Village, db

from ..api_common import spreadsheet_file
from ..clock import local_zone
from ..domain.ledger import LEDGER_HEADERS, ledger_rows
from ..domain.scope import Scope
from ..domain.tables import write_csv, write_xlsx
from ..clock import local_midnight, local_today
from ..context import current_rules
from ..domain import case_rules, cases
from ..domain.kept import own_village
from ..domain.scope import townships_under
from ..registry_api import Collection
from .schemas import CaseArgs, CasePageSchema, CaseSchema


def _flag(clause_for):
    def restrict(stmt, wanted: bool):
        clause = clause_for(local_today())
        return stmt.where(clause if wanted else ~clause)
    return restrict


collection = Collection(
    "cases", Case, CaseSchema, CasePageSchema, CaseArgs,
    lambda session, actor, data: cases.open_case(session, actor, data, local_today(), current_rules().cases),
    lambda session, actor, record_id, data: cases.update_case(session, actor, record_id, data, current_rules()),
    "问题 Cases: open → in_progress → resolved → verified (销号) → closed, or open again (反弹)",
    special_filters={"overdue": _flag(lambda today: Case.id.in_(case_rules.overdue_cases(today))),
                     "progress_overdue": _flag(case_rules.progress_overdue_clause),
                     "region_id": lambda stmt, region_id: stmt.where(
                         Case.township_id.in_(townships_under(db.session, region_id))),
                     "recheck_due": _flag(case_rules.recheck_due_clause),
                     "relapsed": lambda stmt, wanted: stmt.where((Case.relapse_count > 0) == wanted),
                     "unresolved": lambda stmt, wanted: stmt.where(Case.status.in_(UNRESOLVED_CASE_STATUSES) == wanted),
                     "cooperating_unit_id": lambda stmt, unit_id: stmt.where(
                         Case.cooperating_units.any(Unit.id == unit_id)),
                     "opened_from": lambda stmt, day: stmt.where(Case.created_at >= local_midnight(day)),
                     "opened_to": lambda stmt, day: stmt.where(Case.created_at < local_midnight(day + timedelta(days=1)))},
    list_options=(selectinload(Case.events), selectinload(Case.evidence), selectinload(Case.cooperating_units),
                  selectinload(Case.milestones)),
    village_of=own_village,
)


LEDGER_LOADED = (selectinload(Case.village).selectinload(Village.township), selectinload(Case.household),
                 selectinload(Case.facility), selectinload(Case.events), selectinload(Case.cooperating_units))


def ledger_file(scope: Scope, args: dict, fmt: str) -> Response:
    """The ledger (问题台账) of the cases the list's filters choose in `scope`, oldest first, as .xlsx or .csv (the
    API's export and the case page's link alike)."""
    filters = {key: value for key, value in args.items() if key not in ("page", "per_page")}
    items = db.session.scalars(collection.query(scope, filters).options(*LEDGER_LOADED).order_by(Case.id)).all()
    rows = ledger_rows(items, local_zone())
    data = write_xlsx(list(LEDGER_HEADERS), rows) if fmt == "xlsx" else write_csv(list(LEDGER_HEADERS), rows)
    return spreadsheet_file(data, "ledger", fmt)
