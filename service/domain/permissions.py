"""Who may do what: the one place that maps login roles to capabilities and to the part of the county they reach.

A capability is a thing a person does (`log_delivery`, `verify_case`); the place it is done in must also be
inside the person's scope, which `scope.require_write` checks together with the capability.
"""
from models import User

from .errors import Forbidden

COUNTY, REGION, TOWNSHIP, VILLAGE = "county", "region", "township", "village"
# How far each role reaches: the whole county, a region above the township (a city's or province's, or the county a
# county administrator is given), its township, or its village.
REACH = {"county_admin": COUNTY, "township_lead": TOWNSHIP, "township_worker": TOWNSHIP, "village_staff": VILLAGE,
         "city_admin": REGION, "province_admin": REGION,
         # a 牵头 or 配合 unit's staff: its county's (or its township's) places, and of the cases only its unit's
         "unit_staff": REGION}
REGIONAL = ("city_admin", "province_admin")  # read their region; write only the tasks they hand down

_TOWNSHIP_STAFF = ("county_admin", "township_lead", "township_worker")
_EVERYONE = _TOWNSHIP_STAFF + ("village_staff",)
_LEADS = ("county_admin", "township_lead")

# capability: (the roles that have it, the catalogue key of what a person without it is told)
CAPABILITIES = {
    "register_township": (("county_admin",), "permission.register_township"),
    "register_village": (_LEADS, "permission.register_village"),
    "register_county_staff": (("county_admin",), "permission.register_county_staff"),
    "edit_registry": (_TOWNSHIP_STAFF, "permission.edit_registry"),
    "report_facility": (_EVERYONE, "permission.report_facility"),
    "report_problem": (_EVERYONE, "permission.report_problem"),
    "manage_agreements": (_TOWNSHIP_STAFF, "permission.manage_agreements"),
    "record_water_test": (_TOWNSHIP_STAFF, "permission.record_water_test"),
    "print_archive": (_TOWNSHIP_STAFF, "permission.print_archive"),
    "import_rosters": (_TOWNSHIP_STAFF, "permission.edit_registry"),
    "log_delivery": (_EVERYONE, "permission.log_delivery"),
    "cancel_delivery": (_TOWNSHIP_STAFF, "permission.cancel_delivery"),
    "work_case": (_EVERYONE, "permission.work_case"),
    # 整改进展, evidence and milestones: whoever works a case, a unit's staff included (who cannot 销号)
    "report_progress": (_EVERYONE + ("unit_staff",), "permission.work_case"),
    "hand_down_case": (("county_admin",) + REGIONAL, "permission.hand_down_case"),
    "print_bulletin": (("county_admin",) + REGIONAL, "permission.print_bulletin"),
    "assign_case": (_TOWNSHIP_STAFF, "case.assign_forbidden"),
    "verify_case": (_LEADS, "permission.verify_case"),
    "start_recheck": (_LEADS, "permission.start_recheck"),
    # a 回头查's result closes or reopens a case, as a 回头看 does: the same hands
    "check_recheck": (_LEADS, "permission.check_recheck"),
    "spot_check": (_LEADS, "permission.spot_check"),
    # 城乡供水一体化 projects: the county (or a township's lead) runs them, a city or province may hand one down
    "manage_projects": (_LEADS + REGIONAL, "permission.manage_projects"),
    # 应急送水 over townships or villages: a township's lead, the county, a city or province for its region
    "declare_emergency": (_LEADS + REGIONAL, "permission.declare_emergency"),
    "reply_sms": (_EVERYONE, "permission.reply_sms"),
    "send_urgent_sms": (_LEADS, "reply.urgent_forbidden"),
    "manage_users": (("county_admin",), "user.county_only"),
}


def can(user: User, capability: str) -> bool:
    """Whether the user's role has `capability` (wherever it acts)."""
    return user.role in CAPABILITIES[capability][0]


def require_capability(actor: User, capability: str) -> None:
    """Forbidden unless the actor's role has `capability`."""
    if not can(actor, capability):
        raise Forbidden(CAPABILITIES[capability][1])

