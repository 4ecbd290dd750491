"""城乡供水一体化 projects (SPEC §4): a project's villages, its back-scheduled milestones (倒排工期), its funds, and the
connections (通水验收) that put households on piped supply.

A connection changes the work the service does: water piped into the home leaves no distance, climb or round trip
to fetch it, so needs delivery is worked out again; an agreement no longer needed ends on the connection day with
reason 已通自来水 (kept and printable), its planned deliveries after that day are called off, and each household
reached is due a visit to confirm the four indicators (排查). A milestone past due and not done is overdue work of the
project's lead unit. A project belongs to a township, or to a region above the townships (a county's, a city's).
"""
from datetime import date, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from models import (Agreement, Household, Project, ProjectConnection, ProjectFund, ProjectMilestone,
                    ProjectVillage, Region, Township, Unit, User, Village, Visit)

from . import catalogue
from .agreements import end_early
from .audit import record_write
from .planning import cancel_planned
from .catalogue import Message
from .errors import FieldErrors, NotFound
from .needs_delivery import household_reasons
from .scope import Scope, get_for_write, get_visible, place_to_work, townships_under
from .system_cases import sync_gap_cases

# The standard 进度表, each step due at this share of the time from the project's registration to its target.
STANDARD_MILESTONES = (("preparation", 0.15), ("tendering", 0.3), ("relocation", 0.45), ("construction", 0.85),
                       ("acceptance", 0.95), ("water_on", 1.0))
LOADED = (selectinload(Project.villages).selectinload(ProjectVillage.village).selectinload(Village.township),
          selectinload(Project.milestones), selectinload(Project.funds),
          selectinload(Project.connections).selectinload(ProjectConnection.village), selectinload(Project.lead_unit),
          selectinload(Project.township), selectinload(Project.region))


def milestone_overdue_clause(today: date):
    """SQL: a milestone past due and not done."""
    return ProjectMilestone.done_on.is_(None) & (ProjectMilestone.due_on < today)


def standard_milestones(start: date, target: date) -> list[dict]:
    """The standard steps back-scheduled from the target: 前期, 招标, 迁占, 施工, 验收, 通水."""
    span = max((target - start).days, 0)
    return [{"title": catalogue.label("project_milestone", code), "due_on": start + timedelta(days=round(span * share))}
            for code, share in STANDARD_MILESTONES]


def townships_by_region(session) -> dict[int, set[int]]:
    """Every region's townships, whatever its level (two queries, for lists that ask it of many projects)."""
    parents = dict(session.execute(select(Region.id, Region.parent_id)).all())
    found: dict[int, set[int]] = {}
    for township, county in session.execute(select(Township.id, Township.county_id).where(
            Township.county_id.is_not(None))):
        region = county
        while region is not None:
            found.setdefault(region, set()).add(township)
            region = parents.get(region)
    return found


def project_townships(session, project: Project, regions: dict | None = None) -> list[int]:
    """The townships a project is in: its township, or every township of its region (from `regions`, the map of
    townships_by_region, when given)."""
    if project.township_id is not None:
        return [project.township_id]
    return sorted(regions.get(project.region_id, ())) if regions is not None else \
        townships_under(session, project.region_id)


def visible(session, scope: Scope, project: Project, regions: dict | None = None) -> bool:
    """Whether the reader sees the project: some township it is in is inside the reader's scope."""
    return any(scope.covers(township) for township in project_townships(session, project, regions))


def get_project(session, scope: Scope, project_id: int) -> Project:
    """The project with what its pages show; NotFound when absent or outside the reader's place."""
    get_visible(session, Project, project_id, scope)
    return session.scalar(select(Project).where(Project.id == project_id).options(*LOADED))


def _for_write(session, actor: User, project_id: int) -> Project:
    get_visible(session, Project, project_id, Scope.of(actor))  # NotFound outside, before Forbidden says anything
    get_for_write(session, Project, project_id, actor, "manage_projects")
    return get_project(session, Scope.of(actor), project_id)


def list_projects(session, scope: Scope, filters: dict, today: date) -> list[Project]:
    """The projects the reader sees, with the list's filters (township, region, lead unit, overdue)."""
    stmt = select(Project).options(*LOADED).order_by(Project.target_on, Project.id)
    if filters.get("lead_unit_id") is not None:
        stmt = stmt.where(Project.lead_unit_id == filters["lead_unit_id"])
    if filters.get("overdue") is not None:
        late = exists().where(ProjectMilestone.project_id == Project.id, milestone_overdue_clause(today))
        stmt = stmt.where(late if filters["overdue"] else ~late)
    regions = townships_by_region(session)
    projects = [p for p in session.scalars(stmt) if visible(session, scope, p, regions)]
    if filters.get("township_id") is not None:
        projects = [p for p in projects if filters["township_id"] in project_townships(session, p, regions)]
    if filters.get("region_id") is not None:
        under = regions.get(filters["region_id"], set())
        projects = [p for p in projects if under & set(project_townships(session, p, regions))]
    return projects


def create_project(session, actor: User, data: dict, today: date) -> Project:
    """A project of a township or a region, with its villages and its milestones (the standard set back-scheduled
    from `target_on` when none are given)."""
    townships = place_to_work(session, actor, data.get("township_id"), data.get("region_id"), "manage_projects")
    errors: dict = {}
    unit = session.get(Unit, data["lead_unit_id"])
    if unit is None:
        errors["lead_unit_id"] = [Message("project.unit_unknown")]
    else:
        try:
            get_visible(session, Unit, unit.id, Scope.of(actor))
        except NotFound:
            errors["lead_unit_id"] = [Message("project.unit_unknown")]
    if data["target_on"] < today:
        errors["target_on"] = [Message("project.target_past")]
    village_ids = list(dict.fromkeys(data.get("village_ids") or []))
    villages = session.scalars(select(Village).where(Village.id.in_(village_ids))).all()
    if not village_ids or len(villages) != len(village_ids) or any(v.township_id not in townships for v in villages):
        errors["village_ids"] = [Message("project.villages_elsewhere")]
    if errors:
        raise FieldErrors(errors)
    milestones = data.get("milestones") or standard_milestones(today, data["target_on"])
    project = Project(name=data["name"], township_id=data.get("township_id"), region_id=data.get("region_id"),
                      lead_unit_id=unit.id, target_on=data["target_on"], budget_wan=data.get("budget_wan"),
                      note=data.get("note"), created_by_id=actor.id,
                      villages=[ProjectVillage(village_id=v) for v in village_ids],
                      milestones=[ProjectMilestone(title=m["title"], due_on=m["due_on"]) for m in milestones])
    session.add(project)
    record_write(session, actor, "create", project, None)
    return project


def add_milestone(session, actor: User, project_id: int, data: dict) -> ProjectMilestone:
    """Another step of the 进度表."""
    project = _for_write(session, actor, project_id)
    milestone = ProjectMilestone(project_id=project.id, title=data["title"], due_on=data["due_on"])
    session.add(milestone)
    record_write(session, actor, "create", milestone, None)
    return milestone


def update_milestone(session, actor: User, project_id: int, milestone_id: int, data: dict, today: date) \
        -> ProjectMilestone:
    """A step marked done (on a day not ahead), or its due day moved."""
    project = _for_write(session, actor, project_id)
    milestone = next((m for m in project.milestones if m.id == milestone_id), None)
    if milestone is None:
        raise NotFound("record.not_found", kind="milestone", id=milestone_id)
    if data.get("done_on") is not None and data["done_on"] > today:
        raise FieldErrors.one("done_on", "date.in_future")
    before = {"due_on": milestone.due_on.isoformat(), "done_on": milestone.done_on and milestone.done_on.isoformat()}
    for key in ("done_on", "due_on", "title"):
        if key in data and (key == "done_on" or data[key] is not None):
            setattr(milestone, key, data[key])
    record_write(session, actor, "update", milestone, before)
    return milestone


def add_fund(session, actor: User, project_id: int, data: dict, today: date) -> ProjectFund:
    """资金到位: money received, on a day not ahead, from a named source."""
    project = _for_write(session, actor, project_id)
    if data["received_on"] > today:
        raise FieldErrors.one("received_on", "date.in_future")
    fund = ProjectFund(project_id=project.id, received_on=data["received_on"], amount_wan=data["amount_wan"],
                       source=data["source"], recorded_by_id=actor.id)
    session.add(fund)
    record_write(session, actor, "create", fund, None)
    return fund


def connect_village(session, actor: User, project_id: int, data: dict, rules) -> ProjectConnection:
    """通水验收 of one of the project's villages, by someone who runs the project (see `record_connection`)."""
    return record_connection(session, _for_write(session, actor, project_id), data, rules, actor)


def record_connection(session, project: Project, data: dict, rules, actor: User | None = None) -> ProjectConnection:
    """通水验收 of one of the project's villages: its monitored households (or those named) go on piped supply from
    `connected_on`; needs delivery is worked out again, each agreement no longer needed ends that day (已通自来水)
    and its deliveries planned after it are called off. Set-based: a fixed number of statements."""
    village_id, day = data["village_id"], data["connected_on"]
    errors: dict = {}
    if village_id not in {pv.village_id for pv in project.villages}:
        errors["village_id"] = [Message("project.village_not_in_project")]
    if day > rules.today:
        errors["connected_on"] = [Message("date.in_future")]
    named = list(dict.fromkeys(data.get("household_ids") or []))
    in_village = (Household.village_id == village_id) & (Household.monitoring_status == "monitored")
    if named and session.scalar(select(func.count()).select_from(Household).where(
            Household.id.in_(named), in_village)) != len(named):
        errors["household_ids"] = [Message("project.households_elsewhere")]
    if errors:
        raise FieldErrors(errors)
    reached = session.scalars(select(Household).where(
        in_village, Household.piped_since.is_(None), Household.id.in_(named) if named else True)
        .options(selectinload(Household.water_source_facility))).all()
    for household in reached:
        household.piped_since = day
    session.flush()
    # Each active agreement of a household reached that no longer needs delivery ends on the connection day.
    ended = []
    for agreement in session.scalars(select(Agreement).where(
            Agreement.household_id.in_([h.id for h in reached]), Agreement.status == "active")
            .options(selectinload(Agreement.household).selectinload(Household.water_source_facility))):
        if not household_reasons(agreement.household, rules.thresholds):
            end_early(agreement, day, "piped_supply")
            ended.append(agreement)
    session.flush()
    if ended:  # after the connection day (an agreement yet to start: all of it)
        cancel_planned(session, [a.id for a in ended], from_day=day + timedelta(days=1))
    connection = ProjectConnection(project_id=project.id, village_id=village_id, connected_on=day,
                                   partial=bool(named), households=len(reached), agreements_ended=len(ended),
                                   note=data.get("note"), recorded_by_id=actor.id if actor else None)
    session.add(connection)
    record_write(session, actor, "connect", connection, None)
    sync_gap_cases(session, rules.today, rules.now, rules.thresholds, rules.cases, {village_id})
    return connection


def visit_due_clause():
    """SQL: a household on piped supply not visited (排查) since it was connected: the four indicators to confirm."""
    return Household.piped_since.is_not(None) & ~exists().where(
        Visit.household_id == Household.id, Visit.visited_on >= Household.piped_since)


def overdue_milestones(session, scope: Scope, today: date, unit_ids=None) -> list[ProjectMilestone]:
    """The milestones past due and not done of the projects the reader sees (of these lead units, when given)."""
    stmt = (select(ProjectMilestone).join(Project, Project.id == ProjectMilestone.project_id)
            .where(milestone_overdue_clause(today))
            .options(selectinload(ProjectMilestone.project).selectinload(Project.lead_unit))
            .order_by(ProjectMilestone.due_on, ProjectMilestone.id))
    if unit_ids is not None:
        stmt = stmt.where(Project.lead_unit_id.in_(list(unit_ids)))
    milestones = session.scalars(stmt).all()
    regions = townships_by_region(session) if milestones else {}
    return [m for m in milestones if visible(session, scope, m.project, regions)]


def project_record(session, scope: Scope, project_id: int, as_of: date) -> dict:
    """The 进度表 a city prints for its 调度 meeting: the project, its milestones (done, due, overdue), its funds
    received and the share of the budget, its villages and their connections, as of a day."""
    project = get_project(session, scope, project_id)
    connected = {c.village_id: c for c in project.connections}
    received = round(sum(f.amount_wan for f in project.funds), 2)
    day = lambda value: value.isoformat() if value else None  # noqa: E731
    return {"kind": "project_progress", "subject_id": project.id, "township_id": project.township_id,
            "params": {"as_of": as_of.isoformat()},
            "project": {"id": project.id, "name": project.name, "lead_unit": project.lead_unit.name,
                        "place": project.township.name if project.township else project.region.name,
                        "target_on": day(project.target_on), "budget_wan": project.budget_wan},
            "milestones": [{"title": m.title, "due_on": day(m.due_on), "done_on": day(m.done_on),
                            "overdue": m.done_on is None and m.due_on < as_of,
                            "late": m.done_on is not None and m.done_on > m.due_on} for m in project.milestones],
            "funds": [{"received_on": day(f.received_on), "amount_wan": f.amount_wan, "source": f.source}
                      for f in project.funds],
            "received_wan": received,
            "funded_share": round(100 * received / project.budget_wan, 1) if project.budget_wan else None,
            "villages": [{"name": pv.village.name, "township": pv.village.township.name,
                          "connected_on": day(connected[pv.village_id].connected_on) if pv.village_id in connected
                          else None, "households": connected[pv.village_id].households
                          if pv.village_id in connected else None} for pv in project.villages]}

