"""The pictures the dashboard, the village page and the township summary show, from the domain's figures."""
from datetime import date

from . import charts
from .domain.scope import Scope
from .i18n import say
from .domain.trends import case_backlog, deliveries_on_time, village_map

RINGS_M = (400, 800)  # T/CHES 18-2018: within 400 m meets, within 800 m basically meets


def trend_pictures(session, scope: Scope, today: date, zone) -> list[charts.Chart]:
    """The last year: cases still open week by week, and each month's deliveries on time, late and missed."""
    backlog = case_backlog(session, scope, today, zone)
    months = deliveries_on_time(session, scope, today, zone)
    return [
        charts.line(say("picture.backlog"), [f"{end.month}/{end.day}" for end, _ in backlog],
                    {say("picture.backlog_series"): [count for _, count in backlog]}, y_title=say("picture.cases_unit"),
                    every=8),
        charts.bars(say("picture.monthly_deliveries"), [say("picture.month", month=m["month"].month) for m in months],
                    {say("picture.on_time"): [m["on_time"] for m in months],
                     say("picture.late"): [m["late"] for m in months],
                     say("picture.missed"): [m["missed"] for m in months]}, y_title=say("picture.times_unit"),
                    stacked=True),
    ]


def place_pictures(places: list[dict], name_key: str, supply_min: float) -> list[charts.Chart]:
    """Supply assurance (last 30 days) and water-quality pass rate (last year) per township or village."""
    return [
        charts.ranking(say("picture.supply_ranking", minimum=f"{supply_min:g}"),
                       {p[name_key]: p["supply_assurance"] for p in places}),
        charts.ranking(say("picture.quality_ranking"), {p[name_key]: p["water_quality_pass_rate"] for p in places}),
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
    return charts.distance_map(say("picture.distance_map", village=village.name, near=RINGS_M[0], far=RINGS_M[1]),
                               placed["points"], RINGS_M,
                               {say(f"picture.group.{key}"): members for key, members in placed["groups"].items()})


def record_pictures(record: dict) -> list[charts.Chart]:
    """The pictures a printed record shows, drawn from the record's own figures (so that its verification code
    covers them too): the township summary's villages compared."""
    if record["kind"] != "township_summary":
        return []
    villages = [v for v in record["villages"] if v["households"]]
    names = [v["name"] for v in villages]
    return [
        charts.ranking(say("picture.village_supply"), {v["name"]: v["supply_assurance"] for v in villages}),
        charts.bars(say("picture.village_deliveries"), names,
                    {say("picture.delivered"): [v["delivered"] for v in villages],
                     say("picture.missed"): [v["missed"] for v in villages]}, y_title=say("picture.times_unit"),
                    stacked=True),
    ]


def water_series_picture(series: dict) -> charts.Chart | None:
    """A parameter's results at a facility against its limit, or None without two results to draw."""
    points = series["points"]
    if len(points) < 2:
        return None
    lines = {series["name"]: [p["value"] for p in points]}
    for bound in (series["max"], series["min"]):
        if bound is not None:
            lines[say("picture.limit", words=series["words"]) + ("" if bound == series["max"] else " ")] = \
                [bound] * len(points)
    return charts.line(say("picture.water_series", name=series["name"]),
                       [p["sampled_on"].strftime("%m-%d") for p in points], lines, series["unit"] or "",
                       every=max(1, len(points) // 8))
