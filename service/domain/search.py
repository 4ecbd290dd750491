"""Finding a household from what a person types: a resident ID, a phone number, or part of a name."""
import re
from datetime import date

from sqlalchemy import ColumnElement

from models import Household

from .identity import IdNumberVault, normalize_id_number, normalize_phone

_DIGITS = re.compile(r"^\+?[\d\s-]{3,}$")  # a phone number or its last digits


def household_search(text: str, vault: IdNumberVault, today: date) -> ColumnElement[bool]:
    """SQL naming the households `text` finds: a whole resident ID through its keyed hash (never by decrypting),
    a phone number whole or in part, else part of the head of household's name."""
    typed = text.strip()
    compact = typed.replace(" ", "").upper()
    try:
        return Household.id_number_hash == vault.lookup_hash(normalize_id_number(compact, today))
    except ValueError:
        pass
    if _DIGITS.match(typed):
        digits = re.sub(r"\D", "", typed)
        try:
            return Household.phone == normalize_phone(typed)
        except ValueError:
            return Household.phone.contains(digits, autoescape=True)
    return Household.head_name.contains(typed, autoescape=True)
