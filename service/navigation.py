"""The pages' navigation: a bottom tab bar of at most five items per role, and a 更多 page for the rest.

Only what the role may do is offered (the capabilities of `domain.permissions`).
"""
from models import User

from .domain.permissions import REACH, TOWNSHIP, VILLAGE, can

# endpoint, the catalogue key of its name (pages show `_(key)`), the capability it needs (None: every role)
TODAY = ("deliveries_pages.today", "nav.today", "log_delivery")
TODO = ("home.todo", "nav.todo", None)
DASHBOARD = ("dashboard_pages.index", "nav.dashboard", None)
HOUSEHOLDS = ("households_pages.index", "nav.households", None)
CASES = ("cases_pages.index", "nav.cases", None)
AGREEMENTS = ("agreements_pages.index", "nav.agreements", None)
FACILITIES = ("facilities_pages.index", "nav.facilities", None)
SMS = ("sms_pages.index", "nav.sms", None)
IMPORTS = ("imports_pages.index", "nav.imports", "import_rosters")
USERS = ("users_pages.index", "nav.users", "manage_users")
UNITS = ("units_pages.index", "nav.units", None)
RECHECKS = ("rechecks_pages.index", "nav.rechecks", "check_recheck")
SPOT_CHECKS = ("spot_checks_pages.index", "nav.spot_checks", "spot_check")
PROJECTS = ("projects_pages.index", "nav.projects", None)
EMERGENCIES = ("emergencies_pages.index", "nav.emergencies", None)
MORE = ("home.more", "nav.more", None)

TABS = {VILLAGE: (TODAY, HOUSEHOLDS, CASES, MORE), TOWNSHIP: (TODO, TODAY, HOUSEHOLDS, CASES, MORE)}
COUNTY_TABS = (DASHBOARD, CASES, HOUSEHOLDS, AGREEMENTS, MORE)
UNIT_TABS = (CASES, MORE)  # a unit's staff work its cases, nothing else
EVERYTHING = (TODO, TODAY, DASHBOARD, HOUSEHOLDS, CASES, AGREEMENTS, FACILITIES, RECHECKS, SPOT_CHECKS, EMERGENCIES, PROJECTS, UNITS,
              SMS, IMPORTS, USERS)


def _allowed(user: User, items) -> list[tuple[str, str]]:
    return [(endpoint, text) for endpoint, text, capability in items if capability is None or can(user, capability)]


def tabs(user: User) -> list[tuple[str, str]]:
    """The bottom tab bar of this user's role."""
    if user.role == "unit_staff":
        return _allowed(user, UNIT_TABS)
    return _allowed(user, TABS.get(REACH[user.role], COUNTY_TABS))


def more(user: User) -> list[tuple[str, str]]:
    """The 更多 page: every other page this user's role may use."""
    shown = {endpoint for endpoint, _ in tabs(user)}
    items = [item for item in EVERYTHING if item[0] not in shown]
    if REACH[user.role] == VILLAGE:  # a village's staff work one village: no to-do list of the township
        items = [item for item in items if item not in (TODO, DASHBOARD, AGREEMENTS, UNITS, PROJECTS)]
    if user.role == "unit_staff":  # a unit works its cases; the registry is the townships'
        items = [item for item in items if item == UNITS]
    return _allowed(user, items)


def start(user: User) -> str:
    """Where the user's day starts: village staff on 今日送水, township staff on 待办, a unit's staff on its cases, the
    county on 清零."""
    if user.role == "unit_staff":
        return CASES[0]
    return {VILLAGE: TODAY, TOWNSHIP: TODO}.get(REACH[user.role], DASHBOARD)[0]
