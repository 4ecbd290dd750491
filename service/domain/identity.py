"""Resident ID numbers (居民身份证号) and phone numbers: validation, normalisation, protection."""
import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

import phonenumbers
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .catalogue import Message

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of a resident ID."""
    return _CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalize_id_number(value: str, today: date | None = None) -> str:
    """The 18-character resident ID in canonical form; ValueError says what is wrong with it."""
    text = value.strip().replace(" ", "").upper()
    if len(text) != 18:
        raise ValueError(Message("id_number.length"))
    if not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise ValueError(Message("id_number.digits"))
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise ValueError(Message("id_number.birth_date")) from None
    if born > (today or date.today()) or born.year < 1900:
        raise ValueError(Message("id_number.birth_date"))
    if id_check_char(text[:17]) != text[17]:
        raise ValueError(Message("id_number.check_digit"))
    return text


def mask_id_number(id_number: str) -> str:
    """`370102********1234`: region code and last four only."""
    return id_number[:6] + "*" * 8 + id_number[-4:]


@dataclass(frozen=True)
class IdNumberVault:
    """Encrypts resident IDs (Fernet) and derives the keyed hash used for uniqueness and look-ups."""

    fernet: Fernet
    hash_key: bytes

    @classmethod
    def from_secret(cls, secret: str) -> "IdNumberVault":
        def derive(info: bytes) -> bytes:
            return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret.encode())

        return cls(Fernet(base64.urlsafe_b64encode(derive(b"id-number-encryption"))), derive(b"id-number-lookup"))

    def encrypt(self, id_number: str) -> str:
        return self.fernet.encrypt(id_number.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self.fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ValueError("the ID number key does not match the stored data") from None

    def lookup_hash(self, id_number: str) -> str:
        return hmac.new(self.hash_key, id_number.encode(), hashlib.sha256).hexdigest()


def display_phone(e164: str | None) -> str:
    """A stored number as people write it: `+8613800138000` → `138 0013 8000` (other countries keep +code)."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "CN")
    except phonenumbers.NumberParseException:
        return e164
    style = phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 86 else \
        phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


def normalize_phone(value: str, region: str = "CN") -> str:
    """The phone number in E.164 (`+8613800138000`); ValueError when it is not a valid number."""
    text = value.strip()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValueError(Message("value.phone")) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(Message("value.phone"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
