"""The message catalogue: every word a person reads on a page, in an SMS, a PDF, an import report or an API
answer, by key, in `service/translations/<locale>/LC_MESSAGES/messages.po` (gettext, kept with Babel).

The domain says a `Message` (a key and its values); the edge renders it once, in the language of whoever reads it:
Chinese for pages, SMS and printouts, and for the API the language its Accept-Language asks for among zh-CN and en.
A rule that needs a new message adds one entry to each catalogue (tests/test_catalogue.py checks both).
"""
import functools
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from models import STAFF_ROLES

TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"
LOCALES = ("zh_CN", "en")
# What SMS, printouts and the notes the service writes into its records are in, whoever caused them.
RECORD_LOCALE = "zh_CN"


class Message(str):
    """A message for a person: a catalogue key and the values it names, rendered in a language at the edge.

    It is a `str` (its key) so that marshmallow, lists of field errors and exceptions carry it like any text.
    """

    key: str
    values: dict

    def __new__(cls, key: str, /, **values):
        message = super().__new__(cls, key)
        message.key, message.values = key, values
        return message

    def __reduce__(self):  # crosses process boundaries (the import parser's child, task queues) whole
        return _message, (self.key, self.values)

    def __repr__(self) -> str:
        return f"Message({self.key!r}, **{self.values!r})"


def _message(key: str, values: dict) -> Message:
    return Message(key, **values)


class Template(str):
    """A key that a library fills in with `format` (marshmallow's field and validator messages): the result is a
    Message with those values, not text."""

    def format(self, *args, **values) -> Message:
        return Message(str(self), **values)


def label_of(group: str, code: str) -> Message:
    """A code's label as a value of another message (shown in the reader's language)."""
    return Message(f"label.{group}.{code}")


@functools.cache
def _catalog(locale: str):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=locale)


@functools.cache
def texts(locale: str) -> dict[str, str]:
    """Every key's text in `locale`, in the catalogue's order."""
    return {entry.id: entry.string for entry in _catalog(locale) if entry.id and entry.string}


@functools.cache
def translations(locale: str) -> Translations:
    """The catalogue of `locale` as gettext translations (for Flask-Babel and Jinja's `_`)."""
    compiled = BytesIO()
    write_mo(compiled, _catalog(locale))
    compiled.seek(0)
    return Translations(compiled)


def render(text, locale: str = RECORD_LOCALE) -> str:
    """A message in `locale` (its values rendered too); text that is not a Message is shown as it is."""
    if not isinstance(text, Message):
        return str(text)
    template = texts(locale).get(text.key) or texts(RECORD_LOCALE).get(text.key) or text.key
    return template.format(**{name: render(value, locale) if isinstance(value, Message) else value
                              for name, value in text.values.items()})


def say(key: str, /, **values) -> str:
    """The message `key` with its values, in the records' language (SMS, printouts, notes, pages)."""
    return render(Message(key, **values))


def labels(group: str, locale: str = RECORD_LOCALE) -> dict[str, str]:
    """The codes of `group` and their labels, in the catalogue's order (`staff_role`: the roles staff take)."""
    return dict(_labels(group, locale))


@functools.cache
def _labels(group: str, locale: str) -> dict[str, str]:
    # Found once: an import asks for a group's labels for every coded cell of every row.
    if group == "staff_role":
        return {code: text for code, text in _labels("role", locale).items() if code in STAFF_ROLES}
    prefix = f"label.{group}."
    return {key.removeprefix(prefix): text for key, text in texts(locale).items() if key.startswith(prefix)}


def label(group: str, code: str | None, thresholds=None, locale: str = RECORD_LOCALE) -> str:
    """The label of a code; needs-delivery reasons name the thresholds in force (`thresholds`)."""
    if code is None:
        return "—"
    text = texts(locale).get(f"label.{'role' if group == 'staff_role' else group}.{code}", code)
    if group == "reason" and thresholds is not None:
        return text.format(distance_m=thresholds.distance_m, vertical_m=thresholds.vertical_m,
                           round_trip_min=thresholds.round_trip_min)
    return text


# SMS: short texts (UCS-2: 70 characters a segment, 67 when split).
SEGMENT = 67
REMINDER_BUDGET = 2 * SEGMENT  # keep reminders to two segments


def short_date(day) -> str:
    """A day as an SMS writes it (5月1日)."""
    return say("date.short", month=day.month, day=day.day)


def name_list(names: list[str], budget: int) -> str:
    """Names joined with 、 and cut to `budget` characters, ending "等N户" when some did not fit."""
    shown = []
    for index, name in enumerate(names):
        rest = len(names) - index - 1
        candidate = "、".join(shown + [name]) + (say("sms.more", count=len(names)) if rest else "")
        if len(candidate) > budget and shown:
            return "、".join(shown) + say("sms.more", count=len(names))
        shown.append(name)
    return "、".join(shown)
