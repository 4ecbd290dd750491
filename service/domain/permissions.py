"""Who may do what: the one place that maps login roles to capabilities and to the part of the county they reach.

A capability is a thing a person does (`log_delivery`, `verify_case`); the place it is done in must also be
inside the person's scope, which `scope.require_write` checks together with the capability.
"""
from models import User

from .catalogue import say
from .errors import Forbidden

COUNTY, TOWNSHIP, VILLAGE = "county", "township", "village"
# How far each role reaches: the whole county, its township, or its village.
REACH = {"county_admin": COUNTY, "township_lead": TOWNSHIP, "township_worker": TOWNSHIP, "village_staff": VILLAGE}

_TOWNSHIP_STAFF = ("county_admin", "township_lead", "township_worker")
_EVERYONE = _TOWNSHIP_STAFF + ("village_staff",)
_LEADS = ("county_admin", "township_lead")

# capability: (the roles that have it, what a person without it is told)
CAPABILITIES = {
    "register_township": (("county_admin",), "only a county administrator registers or changes townships"),
    "register_village": (_LEADS, "only a township lead or the county registers villages"),
    "register_county_staff": (("county_admin",), "only a county administrator registers county staff"),
    "edit_registry": (_TOWNSHIP_STAFF, "this role may not change the registry"),
    "report_facility": (_EVERYONE, "this role may not report a broken facility"),
    "report_problem": (_EVERYONE, "this role may not report a problem"),
    "manage_agreements": (_TOWNSHIP_STAFF, "this role may not change agreements"),
    "record_water_test": (_TOWNSHIP_STAFF, "this role may not record water tests"),
    "print_archive": (_TOWNSHIP_STAFF, "this role may not print a township's archive"),
    "import_rosters": (_TOWNSHIP_STAFF, "this role may not change the registry"),
    "log_delivery": (_EVERYONE, "this role may not log deliveries"),
    "cancel_delivery": (_TOWNSHIP_STAFF, "only township staff cancel a planned delivery"),
    "work_case": (_EVERYONE, "this role may not work on cases"),
    "assign_case": (_TOWNSHIP_STAFF, say("case.assign_forbidden")),
    "verify_case": (_LEADS, "only a township lead or the county verifies (销号) and re-checks (回头看) a case"),
    "reply_sms": (_EVERYONE, "this role may not answer SMS"),
    "send_urgent_sms": (_LEADS, say("reply.urgent_forbidden")),
    "manage_users": (("county_admin",), say("user.county_only")),
}


def can(user: User, capability: str) -> bool:
    """Whether the user's role has `capability` (wherever it acts)."""
    return user.role in CAPABILITIES[capability][0]


def require_capability(actor: User, capability: str) -> None:
    """Forbidden unless the actor's role has `capability`."""
    if not can(actor, capability):
        raise Forbidden(CAPABILITIES[capability][1])

