"""The database models, one module per aggregate. Importing this package registers them all."""
from .agreement import AGREEMENT_END_REASONS, AGREEMENT_REASONS, AGREEMENT_STATUSES, Agreement
from .base import db, utcnow
from .case import (ACTIVE_CASE_STATUSES, UNRESOLVED_CASE_STATUSES, CASE_CATEGORIES, CASE_KINDS, CASE_SOURCES, CASE_STATUSES, SEVERITIES, Case,
                   CaseEvent, CaseEvidence, CaseMilestone)
from .delivery import CONFIRMATIONS, DELIVERY_STATUSES, Delivery, DeliveryCorrection
from .facility import (CARE_KINDS, FACILITY_KINDS, FACILITY_STATUSES, FAILED_STATUSES, OWNERSHIPS, SUPPLY_CLASSES, Facility,
                       FacilityCare, FacilityStatusChange)
from .field_report import FIELD_REPORT_KINDS, FieldReport
from .household import LEFT_STATUSES, MONITORING_STATUSES, MONITORING_TYPES, WATER_SOURCES, Household, MonitoringPeriod
from .job import JobRun, SchedulerHeartbeat
from .report import KeptBulletin, ReportPrinting, ReportVerification, SignedCopy
from .spot_check import SpotCheck, SpotCheckHousehold
from .sms import SMS_DIRECTIONS, SMS_STATUSES, SmsMessage, SmsOptOut
from .place import Township, Village, VillageFigures
from .emergency import EMERGENCY_KINDS, Emergency, emergency_team, emergency_villages
from .project import Project, ProjectConnection, ProjectFund, ProjectMilestone, ProjectVillage
from .recheck import Recheck, RecheckItem
from .region import REGION_LEVELS, Region
from .revision import register_revision_listeners
from .staff import STAFF_ROLES, Staff
from .unit import UNIT_KINDS, Unit
from .user import USER_ROLES, AuditEvent, User
from .visit import INDICATORS, RESULTS, VERDICTS, Visit, latest_visit_ids
from .water_test import SAMPLE_POINTS, WaterTest

__all__ = [
    "db", "utcnow", "register_revision_listeners", "Township", "Village", "VillageFigures", "Household", "Facility", "Staff", "User", "AuditEvent",
    "FACILITY_KINDS", "FACILITY_STATUSES", "FAILED_STATUSES", "OWNERSHIPS", "MONITORING_TYPES",
    "WATER_SOURCES", "STAFF_ROLES", "USER_ROLES", "Agreement", "AGREEMENT_REASONS", "AGREEMENT_STATUSES",
    "Delivery", "DeliveryCorrection", "DELIVERY_STATUSES", "CONFIRMATIONS", "JobRun", "SchedulerHeartbeat", "Case", "CaseEvent",
    "CaseEvidence", "CaseMilestone", "FacilityStatusChange", "KeptBulletin", "ReportPrinting", "ReportVerification", "SignedCopy", "SmsMessage", "SmsOptOut", "SMS_DIRECTIONS", "SMS_STATUSES", "CASE_KINDS", "CASE_STATUSES", "SEVERITIES", "ACTIVE_CASE_STATUSES", "UNRESOLVED_CASE_STATUSES", "CASE_SOURCES", "CASE_CATEGORIES",
    "SUPPLY_CLASSES", "SAMPLE_POINTS", "WaterTest", "Unit", "UNIT_KINDS", "FacilityCare", "CARE_KINDS", "Visit", "VERDICTS", "RESULTS", "INDICATORS",
    "MONITORING_STATUSES", "LEFT_STATUSES", "MonitoringPeriod", "FieldReport", "FIELD_REPORT_KINDS", "latest_visit_ids", "Region", "REGION_LEVELS", "Recheck", "RecheckItem", "SpotCheck", "SpotCheckHousehold",
    "AGREEMENT_END_REASONS", "Project", "ProjectConnection", "ProjectFund", "ProjectMilestone", "ProjectVillage",
    "EMERGENCY_KINDS", "Emergency", "emergency_team", "emergency_villages",
]
