"""The pictures the dashboard, the village page and the township summary show, from the domain's figures."""
from datetime import date

from . import charts
from .domain.scope import Scope
from .domain.trends import case_backlog, deliveries_on_time, village_map

RINGS_M = (400, 800)  # T/CHES 18-2018: within 400 m meets, within 800 m basically meets
GROUPS = {"gap": "需送水 · 未签协议", "served": "需送水 · 已签协议", "fine": "无需送水"}


def trend_pictures(session, scope: Scope, today: date, zone) -> list[charts.Chart]:
    """The last year: cases still open week by week, and each month's deliveries on time, late and missed."""
    backlog = case_backlog(session, scope, today, zone)
    months = deliveries_on_time(session, scope, today, zone)
    return [
        charts.line("每周末未销号的问题", [f"{end.month}/{end.day}" for end, _ in backlog],
                    {"未销号问题": [count for _, count in backlog]}, y_title="件", every=8),
        charts.bars("每月送水：按时、补登、漏送", [f"{m['month'].month}月" for m in months],
                    {"按时": [m["on_time"] for m in months], "补登": [m["late"] for m in months],
                     "漏送": [m["missed"] for m in months]}, y_title="次", stacked=True),
    ]


def place_pictures(places: list[dict], name_key: str, supply_min: float) -> list[charts.Chart]:
    """Supply assurance (last 30 days) and water-quality pass rate (last year) per township or village."""
    return [
        charts.ranking(f"供水保障率（近30天，标准 ≥{supply_min:g}%）",
                       {p[name_key]: p["supply_assurance"] for p in places}),
        charts.ranking("水质达标率（近一年）", {p[name_key]: p["water_quality_pass_rate"] for p in places}),
    ]


def dashboard_pictures(session, scope: Scope, today: date, zone, figures: dict, supply_min: float,
                       township_id: int | None = None, children: list[dict] | None = None) -> list:
    """The dashboard's pictures: trends, then the townships compared (the villages, within one township; a city's
    or province's `children`, when given); a county user's view of one township (`township_id`) has that
    township's trends."""
    by_township = len(figures["townships"]) > 1
    if children is not None:
        places, name_key = [c for c in children if c["households"]], "name"
    elif by_township:
        places, name_key = figures["townships"], "township_name"
    else:
        places, name_key = [v for v in figures["villages"] if v["households"]], "village_name"
    if township_id is not None and scope.is_county:
        scope = Scope(township_id)
    return trend_pictures(session, scope, today, zone) + place_pictures(places, name_key, supply_min)


def distance_picture(session, village, thresholds) -> charts.Chart | None:
    """The village's distance map, or None when neither its water points nor its households have coordinates."""
    placed = village_map(session, village.id, thresholds)
    if not placed["points"] and not any(placed["groups"].values()):
        return None
    return charts.distance_map(f"{village.name}：集中供水点 400 米、800 米范围与各户", placed["points"], RINGS_M,
                               {GROUPS[key]: members for key, members in placed["groups"].items()})


def record_pictures(record: dict) -> list[charts.Chart]:
    """The pictures a printed record shows, drawn from the record's own figures (so that its verification code
    covers them too): the township summary's villages compared."""
    if record["kind"] != "township_summary":
        return []
    villages = [v for v in record["villages"] if v["households"]]
    names = [v["name"] for v in villages]
    return [
        charts.ranking("各村供水保障率", {v["name"]: v["supply_assurance"] for v in villages}),
        charts.bars("各村送水：已送、漏送", names, {"已送": [v["delivered"] for v in villages],
                                              "漏送": [v["missed"] for v in villages]}, y_title="次", stacked=True),
    ]
