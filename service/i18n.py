"""The language of each answer (Flask-Babel), and the domain's messages rendered in it, once, at the edge.

Pages and the scripts of pages speak the page language (Chinese); the API speaks the language its Accept-Language
asks for among English and Chinese, English when it asks for neither. SMS, printouts and the notes the service
writes into its records are always in the records' language (`catalogue.say`).
"""
from babel import Locale
from flask import current_app, has_request_context, request
from flask_babel import Babel, Domain, get_locale, refresh
from werkzeug.datastructures import LanguageAccept

from .domain import catalogue
from .domain.catalogue import Message, Template

API_LANGUAGES = ("en", "zh_CN")
API_PREFIXES = ("/api/", "/healthz", "/sms/inbound", "/sms/status")  # /sms/… else is pages

babel = Babel()


def speaks_api() -> bool:
    """Whether this request is the API's (a client, Twilio) rather than a page's or a page script's."""
    if request.path.startswith(API_PREFIXES):
        return True
    # A printout or a verification asked for with a bearer token is an API client's too.
    return request.path.startswith(("/reports/", "/verify/")) and "Authorization" in request.headers


def select_locale() -> str:
    """The locale of this request's answer (outside a request: a job, a command, the records' language)."""
    if not has_request_context():
        return catalogue.RECORD_LOCALE
    if not speaks_api():
        return current_app.config["PAGE_LOCALE"]
    return api_locale(request.accept_languages)


def api_locale(accepted: LanguageAccept) -> str:
    """The API's language for an Accept-Language: Chinese when it asks for zh-CN (or zh, zh-Hans-CN …) before
    English, English otherwise."""
    chosen = accepted.best_match(API_LANGUAGES)
    if chosen is None and any(tag.lower().startswith("zh") for tag, _ in accepted):
        chosen = "zh_CN"
    return chosen or "en"


class CatalogueDomain(Domain):
    """Flask-Babel's gettext (and Jinja's `_`) from the catalogue's .po files, read once per process."""

    def get_translations(self):
        return catalogue.translations(locale())


# Babel names zh_CN zh_Hans_CN: each catalogue by the locale Babel makes of its folder's name.
CATALOGUES = {Locale.parse(name): name for name in catalogue.LOCALES}


def locale() -> str:
    """The catalogue of this request's locale (outside a request, the records' language)."""
    return CATALOGUES.get(get_locale(), catalogue.RECORD_LOCALE)


def tell(text) -> str | None:
    """A message in this request's language; a library's own English text (not in the catalogue) as it is to an
    English reader, and None to anyone else (the answer's heading then says what happened)."""
    if isinstance(text, Template):  # a library's message key it did not fill in (marshmallow's unknown field)
        text = Message(str(text))
    if isinstance(text, Message):
        return catalogue.render(text, locale())
    if text and locale() == "en":
        return str(text)
    return None


def told(errors):
    """Field errors (nested by location or field) with every message rendered in this request's language."""
    if isinstance(errors, dict):
        return {name: told(value) for name, value in errors.items()}
    if isinstance(errors, (list, tuple)):
        return [told(value) for value in errors]
    return tell(errors) or str(errors)


def field_name(name: str) -> str:
    """A field's name as a person reads it ("" for one the catalogue does not name)."""
    return catalogue.texts(locale()).get(f"field.{name}", "")


def heading(status: int) -> str:
    """What an error page says first about an HTTP status."""
    texts = catalogue.texts(locale())
    return texts.get(f"error.{status}") or texts["error.500"]


class Labels:
    """`labels[group]` in templates: a group's codes and their labels in this request's language."""

    def __getitem__(self, group: str) -> dict[str, str]:
        return catalogue.labels(group, locale())


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale, default_locale=catalogue.RECORD_LOCALE)
    babel.domain_instance = CatalogueDomain()
    # Flask-Babel keeps the locale it chose on `g`, which outlives a request where an app context is held open
    # around several (a command, a test): each request chooses again.
    app.before_request(refresh)


def say(key: str, /, **values) -> str:
    """The message `key` in this request's language (what a page tells the person who acted)."""
    return catalogue.render(Message(key, **values), locale())


def page_text(key: str, /, **values) -> str:
    """A template's text (Jinja's `_`): the catalogue's `key` in this request's language, its `{name}`s filled in
    (a printout forces the records' language)."""
    return catalogue.render(Message(key, **values), locale())


def label(group: str, code: str | None) -> str:
    """A code's label in this request's language."""
    return catalogue.label(group, code, locale=locale())


def person(user) -> str:
    """Who acted, as colleagues know them: the staff member's name, else the role and the login; the system
    when nobody did."""
    if user is None:
        return say("actor.system")
    if user.staff is not None:
        return user.staff.name
    return say("actor.login", role=label("role", user.role), username=user.username)
