"""The installable web app: its manifest and service worker, served from the site root so that the worker controls
/deliveries/…; the page a phone shows for a page it did not keep; and the login state the worker asks for before
it sends what the phone queued without signal."""
import hashlib
from functools import cache

from flask import Blueprint, current_app, jsonify, render_template, url_for
from flask_login import login_required
from flask_wtf.csrf import generate_csrf

from ..auth import acting_user
from ..domain import catalogue
from ..domain.catalogue import Message
from ..i18n import label, locale

blueprint = Blueprint("webapp", __name__)
# The service worker's own code and Workbox, in the order it loads them (workbox-core first).
WORKBOX = [f"vendor/workbox/workbox-{module}.prod.js"
           for module in ("core", "routing", "strategies", "expiration", "background-sync")]
# Kept on the phone when the worker installs, so that a page kept for the hills has its style and script.
ASSETS = ["app.css", "offline.js", "favicon.png", "icon-192.png", "icon-512.png"]


@blueprint.route("/manifest.webmanifest")
def manifest():
    """What 添加到主屏幕 installs: opens on 今日送水, full screen, with the service's icon."""
    icons = [{"src": url_for("static", filename=f"icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png",
              "purpose": "any maskable"} for size in (192, 512)]
    response = jsonify(name=catalogue.render(Message("app.name"), locale()),
                       short_name=catalogue.render(Message("app.short_name"), locale()),
                       lang=locale().replace("_", "-"), start_url=url_for("deliveries_pages.today"),
                       scope="/", display="standalone", background_color="#f4f6f8", theme_color="#0b6e4f",
                       icons=icons)
    response.mimetype = "application/manifest+json"
    return response


@blueprint.route("/sw.js")
def service_worker():
    """The service worker; its text names every asset by content, so a new release installs a new worker."""
    body = render_template("webapp/sw.js", workbox=WORKBOX, assets=ASSETS, version=_release())
    # Like every page, answered with no-store: each update check by the browser reaches the server.
    return current_app.response_class(body, mimetype="text/javascript")


@blueprint.route("/offline")
def offline():
    """Shown by the phone, from its own copy, for a page it did not keep; holds no one's data, so no login."""
    return render_template("webapp/offline.html", bare=True)


@blueprint.route("/session")
@login_required
def session_state():
    """Who is logged in, and a fresh CSRF token: the service worker sends what the phone queued with it, and
    holds another user's queued logs back (401 in JSON when the login has expired)."""
    return jsonify(user=acting_user().username, csrf_token=generate_csrf())


# What the page's script says (`offline.<key>` in the catalogue).
PHONE_TEXTS = ("banner", "pending", "pending_count", "waiting", "sending", "login_expired", "other_user", "refused",
               "tapped", "dismiss", "logged", "photo_too_large", "not_saved", "queued_report", "last_sync",
               "logout_pending", "taken", "taking", "take_failed", "refused_because", "reasons_joined")


def phone_texts(user) -> dict:
    """What the page's script says about the phone's queue, from the catalogue, and whose queue it is."""
    # Templates the script fills in itself ({count}, {time}, {user}), as the catalogue writes them.
    texts = {key: catalogue.texts(locale()).get(f"offline.{key}") for key in PHONE_TEXTS}
    return {**texts, "delivered": label("delivery_status", "delivered"), "user": user.username,
            "kinds": catalogue.labels("field_report", locale()),
            "login_url": url_for("accounts.login"), "zone": current_app.config["APP_TIMEZONE"]}


@cache
def _release() -> str:
    folder = current_app.static_folder
    digest = hashlib.sha256()
    for name in WORKBOX + ASSETS:
        with open(f"{folder}/{name}", "rb") as file:
            digest.update(file.read())
    for template in ("sw.js", "offline.html"):
        with open(f"{current_app.root_path}/templates/webapp/{template}", "rb") as file:
            digest.update(file.read())
    return digest.hexdigest()[:12]
