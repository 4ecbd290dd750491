"""A record (plain data from service.domain.reports) rendered to PDF, with its verification code and QR."""
from datetime import datetime, timezone

import segno
from flask import current_app, has_request_context, render_template, request
from flask_babel import force_locale

from ..clock import local_zone
from ..domain.catalogue import RECORD_LOCALE
from ..domain.verification import register_printing, register_verification
from ..pictures import record_pictures


PRINTED_FORMAT = "%Y%m%d%H%M"  # a printing's minute in the QR code's address, in local time as the paper shows it


def verify_url(code: str, base_url: str | None = None, printed: str | None = None) -> str:
    """Where the QR code leads: PUBLIC_BASE_URL, else the URL this request came to; `printed` names the printing
    (its local minute, PRINTED_FORMAT), so that /verify shows the time this paper shows."""
    base = base_url or current_app.config.get("PUBLIC_BASE_URL") or \
        (request.host_url if has_request_context() else "http://localhost:5000/")
    return f"{base.rstrip('/')}/verify/{code}" + (f"?printed={printed}" if printed else "")


def record_html(session, record: dict, base_url: str | None = None, zone=None) -> str:
    """The record as printable HTML (printed at local time in `zone`); its verification code is remembered (the
    caller's unit of work commits it)."""
    code = register_verification(session, record)
    printed = datetime.now(timezone.utc).astimezone(zone or local_zone()).replace(second=0, microsecond=0)
    register_printing(session, code, printed)
    # A PNG: WeasyPrint draws an SVG code of hundreds of squares far more slowly.
    qr = segno.make(verify_url(code, base_url, printed.strftime(PRINTED_FORMAT)), error="m").png_data_uri(
        scale=4, border=1)
    generated = printed.strftime("%Y-%m-%d %H:%M")
    # A printout is a record: in the records' language, whoever asked for it and in whatever language.
    with force_locale(RECORD_LOCALE):
        return render_template(f"reports/{record['kind']}.html", r=record, code=code, qr=qr, generated=generated,
                               pictures=record_pictures(record))
