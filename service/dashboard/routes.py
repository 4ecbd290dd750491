import gzip

from flask import current_app, request
from flask_smorest import Blueprint
from marshmallow import fields

from models import Region, db

from ..api_common import filter_id, Schema
from ..auth import acting_scope, acting_user, require_bearer_user
from ..domain.permissions import REGIONAL
from ..clock import local_today, local_zone
from ..context import current_rules, current_thresholds
from ..kept_figures import current_kept_figures
from ..domain import regions
from ..domain.dashboard import FIGURES, RATES, dashboard as dashboard_figures, totals_of
from ..domain.scope import get_visible, townships_under

blueprint = Blueprint("dashboard", __name__, url_prefix="/api/v1/dashboard", description="动态清零 Dashboard")
blueprint.before_request(require_bearer_user)

NUMBERS = {**{name: fields.Integer(required=True) for name in FIGURES},
           **{name: fields.Float(required=True, allow_none=True) for name in RATES}}
SCORE = ("0 to 100, higher is better: the mean of supply assurance, water-quality pass rate, survey coverage, the "
         "share of households needing delivery with an agreement, and the share without an open case (overdue "
         "counted twice)")
CLEAR = "清零: no case open, in progress or resolved but not yet verified (销号), and no household without an agreement"
KeyVillageFigures = Schema.from_dict(NUMBERS, name="KeyVillageDashboardFigures")
KEY_VILLAGES = fields.Nested(KeyVillageFigures, metadata={"description": "the key villages' (重点村) own subtotal"})
Figures = Schema.from_dict({"clear": fields.Boolean(metadata={"description": CLEAR}), "key_villages": KEY_VILLAGES,
                            **NUMBERS}, name="DashboardFigures")
VillageFigures = Schema.from_dict(
    {"village_id": fields.Integer(), "village_name": fields.String(), "township_id": fields.Integer(),
     "township_name": fields.String(),
     "is_key": fields.Boolean(), "clear": fields.Boolean(metadata={"description": CLEAR}), **NUMBERS},
    name="VillageDashboardFigures")


TownshipFigures = Schema.from_dict(
    {"township_id": fields.Integer(), "township_name": fields.String(), "clear": fields.Boolean(metadata={"description": CLEAR}),
     "key_villages": KEY_VILLAGES, **NUMBERS}, name="TownshipDashboardFigures")
OldCase = Schema.from_dict(
    {"id": fields.Integer(), "kind": fields.String(), "village_id": fields.Integer(), "township_id": fields.Integer(),
     "status": fields.String(), "deadline": fields.Date(allow_none=True),
     "progress_due_on": fields.Date(allow_none=True, metadata={"description": "长期坚持: its next progress entry's day"}),
     "created_at": fields.DateTime()}, name="OldestOpenCase")


RankedFigures = Schema.from_dict(
    {"kind": fields.String(metadata={"description": "city, county or township"}), "id": fields.Integer(),
     "name": fields.String(), "score": fields.Float(allow_none=True, metadata={"description": SCORE}),
     "rank": fields.Integer(allow_none=True, metadata={"description": "1 the best; equal scores share a rank"}),
     **NUMBERS}, name="RankedDashboardFigures")
RegionFigures = Schema.from_dict(
    {"id": fields.Integer(), "name": fields.String(), "code": fields.String(), "level": fields.String()},
    name="DashboardRegion")


class DashboardSchema(Schema):
    date = fields.Date(required=True)
    overall = fields.Nested(Figures, required=True)
    townships = fields.List(fields.Nested(TownshipFigures), required=True, metadata={
        "description": "each township's figures; for a city or a province only with `townships=true`"})
    villages = fields.List(fields.Nested(VillageFigures), required=True, metadata={
        "description": "township by township, key villages (重点村) first; for a region only with `villages=true`"})
    oldest_open_cases = fields.List(fields.Nested(OldCase), required=True)
    region = fields.Nested(RegionFigures, metadata={"description": "with region_id: the region"})
    children = fields.List(fields.Nested(RankedFigures), metadata={
        "description": "with region_id: its cities, counties or (a county's) townships, best first"})


class DashboardArgs(Schema):
    township_id = filter_id()
    region_id = filter_id(metadata={"description": "a region's figures, and its children's ranked"})
    villages = fields.Boolean(metadata={"description": "list each village's figures (`villages`): by default, but "
                                        "for a region (`region_id`, or a city's or a province's login) only when "
                                        "asked for"})
    townships = fields.Boolean(metadata={"description": "list each township's figures (`townships`): by default, "
                                         "but above the county (a city's or a province's hundreds) only when asked "
                                         "for; `children` ranks the region's cities or counties"})


@blueprint.route("")
@blueprint.arguments(DashboardArgs, location="query")
@blueprint.response(200, DashboardSchema)
def dashboard(args):
    """Households needing delivery, gaps without an agreement, deliveries due and missed: overall and per village."""
    kept, scope = current_kept_figures(), acting_scope()
    region = get_visible(db.session, Region, args["region_id"], scope) if "region_id" in args else None
    figures = dashboard_figures(db.session, scope, local_today(), current_thresholds(), args.get("township_id"), kept,
                                local_zone(), current_rules().cases.upkeep,
                                townships_under(db.session, region.id) if region else None)
    # Written out once while the figures stay current: 300 villages take longer to dump than to look up. A region's
    # answer goes with them: a region or a township's county changed raises every village's revision.
    # A region's answer leaves its villages out unless asked (a province's are megabytes), and above the county its
    # townships too (its children rank its cities or counties): a region named, or a regional login's dashboard.
    # One township asked for (a regional login's too) lists its own villages.
    one_township = "township_id" in args
    regional = region is not None or acting_user().role in REGIONAL
    above_county = region.level != "county" if region is not None else regional
    villages = args.get("villages", one_township or not regional)
    townships = args.get("townships", one_township or not above_county)
    listed = {"villages": figures["villages"] if villages else [], "townships": figures["townships"] if townships else []}
    if region is None:
        name, answer = ("json", villages, townships), lambda: {**figures, **listed}
    else:
        name, answer = ("json", villages, townships, region.id), lambda: {
            **figures, **listed, "region": region,
            "children": regions.children_of(db.session, region, figures["townships"], totals_of)}
    body = kept.derived(figures, name, lambda: current_app.json.dumps(DashboardSchema().dump(answer())).encode())
    # A province's villages make megabytes of JSON: compressed once, a tenth of it goes out to each client that takes
    # gzip (the phone's browser and HTTP libraries all do).
    packed = "gzip" in request.accept_encodings
    if packed:
        body = kept.derived(figures, (name, "gzip"), lambda: gzip.compress(body, 6))
    response = current_app.response_class(body, mimetype="application/json")
    response.vary.add("Accept-Encoding")
    if packed:
        response.headers["Content-Encoding"] = "gzip"
    return response
