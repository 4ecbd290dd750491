"""Logins: creating users, checking passwords, ending sessions and tokens, deactivating."""
import re
from datetime import datetime, timedelta
import unicodedata
from functools import cache
from pathlib import Path

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from models import USER_ROLES, AuditEvent, Region, Staff, Township, Unit, User, Village

from .catalogue import Message, label_of
from .errors import FieldErrors, Forbidden, NotFound
from .audit import record_write, snapshot
from .permissions import REGIONAL, require_capability
from .scope import regions_under, townships_under
from .text import drop_invisible

# Checked when the username is unknown, so that a miss costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-password")
MIN_PASSWORD_LENGTH = 10
# A login name people can type on a phone and read in a log: Latin letters, digits and . _ -
USERNAME = re.compile(r"[A-Za-z0-9_.-]{2,50}")
MIN_PASSWORD_SCORE = 3  # zxcvbn's "safely unguessable": at least 10^8 guesses
ZXCVBN_MAX_LENGTH = 72  # zxcvbn refuses longer input; a longer password is judged by its start
DATA = Path(__file__).resolve().parent.parent / "data"
COMMON_PASSWORDS = DATA / "common_passwords.txt"
COMMON_PINYIN = DATA / "common_pinyin.txt"


def _listed(path: Path) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


@cache
def _common_passwords() -> frozenset[str]:
    return _listed(COMMON_PASSWORDS)


@cache
def _guessable_words() -> list[str]:
    """What zxcvbn is told besides its own lists: our favourites and the pinyin words and surnames people build
    passwords from (`nongcun2026`), which its English dictionaries do not know."""
    return sorted(_common_passwords() | _listed(COMMON_PINYIN))


def normalized_password(password: str) -> str:
    """The password as it is judged, kept and checked, on every path (page, API, command line): without format
    characters (a zero-width space makes `passw\u200bord123` look new, and nobody types one on purpose)."""
    return drop_invisible(password or "")


def password_problems(password: str, username: str = "") -> list[str]:
    """Why a password is refused (empty when it is acceptable): too short, or guessable — the username, one of
    our list's local favourites, or what zxcvbn (given those favourites and common pinyin too) (its 30,000 most
    common passwords, repeats, sequences, keyboard patterns, words with digits) would guess in under 10^8 tries.
    Judged normalized (`normalized_password`) and folded (NFKC, case), so full-width `ｐａｓｓｗｏｒｄ１２` is
    `password12`."""
    password = normalized_password(password)
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(Message("password.too_short", length=MIN_PASSWORD_LENGTH))
    folded = unicodedata.normalize("NFKC", password).casefold()
    name = unicodedata.normalize("NFKC", username).casefold()
    if folded in _common_passwords() or (name and name in folded) or \
            zxcvbn(folded[:ZXCVBN_MAX_LENGTH], user_inputs=[name, *_guessable_words()])["score"] < MIN_PASSWORD_SCORE:
        problems.append(Message("password.guessable"))
    return problems


def create_user(
    session,
    username: str,
    role: str,
    password: str,
    township_code: str | None = None,
    village_id: int | None = None,
    staff_id: int | None = None,
    actor: User | None = None,
    region_code: str | None = None,
    unit_id: int | None = None,
) -> User:
    """A new login, scoped to a township (by code) or a village; county administrators have no scope; a unit's staff
    (`unit_staff`) work the cases of their unit (`unit_id`). `staff_id` links it to the person (责任人) it is, whose
    name then stands for it in histories."""
    errors: dict = {}
    if not USERNAME.fullmatch(username or ""):
        errors["username"] = [Message("user.bad_name")]
    if role not in USER_ROLES:
        errors["role"] = [Message("value.one_of", choices=", ".join(USER_ROLES))]
    if problems := password_problems(password, username):
        errors["password"] = problems
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        errors["username"] = [Message("value.taken")]
    township_id = None
    if village_id is not None:
        village = session.get(Village, village_id)
        if village is None:
            errors["village_id"] = [Message("village.unknown", id=village_id)]
        else:
            township_id = village.township_id
    elif township_code:
        township_id = session.scalar(select(Township.id).where(Township.code == township_code))
        if township_id is None:
            errors["township"] = [Message("township.unknown_code", code=township_code)]
    if region_code is None and role == "county_admin" and actor is not None and actor.region_id is not None:
        region_code = session.scalar(select(Region.code).where(Region.id == actor.region_id))
    region = session.scalar(select(Region).where(Region.code == region_code)) if region_code else None
    wanted_level = {"city_admin": "city", "province_admin": "province", "county_admin": "county"}.get(role)
    if region_code and (region is None or region.level != wanted_level):
        errors["region"] = [Message("user.region_level", level=label_of("region_level", wanted_level or "county"))]
    elif role in REGIONAL and region is None:
        errors["region"] = [Message("user.region_level", level=label_of("region_level", wanted_level))]
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    if role == "unit_staff":
        if unit is None:
            errors["unit"] = [Message("user.needs_unit")]
        else:
            township_id = unit.township_id
    elif role not in ("county_admin", *REGIONAL) and township_id is None and "township" not in errors:
        errors["township"] = [Message("user.needs_township")]
    if role == "village_staff" and village_id is None:
        errors["village_id"] = [Message("staff.needs_village")]
    if staff_id is not None:
        person = session.get(Staff, staff_id)
        if person is None or (role != "county_admin" and person.township_id != township_id):
            errors["staff_id"] = [Message("user.staff_elsewhere")]
        elif session.scalar(select(User.id).where(User.staff_id == staff_id)) is not None:
            errors["staff_id"] = [Message("user.staff_has_login")]
    if errors:
        raise FieldErrors(errors)
    regional = role in ("county_admin", *REGIONAL)
    if role == "unit_staff":  # a township's unit: that township's; a department: its county's
        require_reach(session, actor, township_id, None if township_id else unit.county_id)
    else:
        require_reach(session, actor, None if regional else township_id, region.id if regional and region else None)
    user = User(
        username=username,
        role=role,
        password_hash=generate_password_hash(normalized_password(password)),
        township_id=None if role in ("county_admin", *REGIONAL) else township_id,
        region_id=region.id if region is not None and role in ("county_admin", *REGIONAL) else None,
        village_id=village_id if role == "village_staff" else None,
        staff_id=staff_id,
        unit_id=unit.id if role == "unit_staff" else None,
    )
    session.add(user)
    record_write(session, actor, "create", user, None)
    return user


def authenticate(session, username: str, password: str) -> User | None:
    """The active user with that username and password, or None."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    normalized = normalized_password(password)
    # A password kept before format characters were dropped is still checked as it was typed.
    right = check_password_hash(user.password_hash, normalized) or \
        (normalized != password and check_password_hash(user.password_hash, password))
    if not right or not user.active:
        return None
    return user


def in_reach(session, actor: User):
    """The logins a county administrator manages: all of them, or those inside its own county (its townships'
    and villages', and regional logins of its county)."""
    if actor.region_id is None:
        return True
    return User.township_id.in_(townships_under(session, actor.region_id)) | \
        User.region_id.in_(regions_under(session, actor.region_id))


def _reach_of(session, user: User) -> tuple[int | None, int | None]:
    """The (township, region) a login belongs to, for who manages it: a unit's staff, their unit's place."""
    if user.role == "unit_staff" and user.unit_id is not None:
        unit = session.get(Unit, user.unit_id)
        return unit.township_id, None if unit.township_id else unit.county_id
    return user.township_id, user.region_id


def require_reach(session, actor: User | None, township_id: int | None, region_id: int | None) -> None:
    """Forbidden unless a login of that township or region is one the actor manages (a command-line actor, None,
    manages all)."""
    if actor is None or actor.region_id is None:
        return
    if township_id is not None:
        inside = township_id in townships_under(session, actor.region_id)
    else:
        inside = region_id is not None and region_id in regions_under(session, actor.region_id)
    if not inside:
        raise Forbidden("scope.outside")


def _get_user(session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound("user.unknown", username=username)
    return user


def end_sessions(session, user: User) -> None:
    """Log the user out everywhere on the pages: cookies issued before stop working (logout)."""
    user.session_version += 1


def revoke_tokens(session, user: User) -> None:
    """Every API token issued to the user so far stops working."""
    user.token_version += 1


def set_active(session, actor: User | None, username: str, active: bool) -> User:
    """Deactivate (or reactivate) a login; deactivating ends its sessions and tokens at once."""
    if actor is not None:
        require_capability(actor, "manage_users")
    user = _get_user(session, username)
    require_reach(session, actor, *_reach_of(session, user))
    if actor is not None and user.id == actor.id and not active:
        raise FieldErrors.one("username", "user.not_self")
    before = snapshot(user)
    user.active = active
    end_sessions(session, user)
    revoke_tokens(session, user)
    record_write(session, actor, "activate" if active else "deactivate", user, before)
    return user


def reset_password(session, actor: User | None, username: str, password: str) -> User:
    """Give a login a new password; its sessions and tokens end at once."""
    if actor is not None:
        require_capability(actor, "manage_users")
    user = _get_user(session, username)
    require_reach(session, actor, *_reach_of(session, user))
    if problems := password_problems(password, username):
        raise FieldErrors({"password": problems})
    before = snapshot(user)
    user.password_hash = generate_password_hash(normalized_password(password))
    end_sessions(session, user)
    revoke_tokens(session, user)
    record_write(session, actor, "reset_password", user, before)
    return user


def record_login_throttled(session, username: str, address: str, now: datetime) -> None:
    """An AuditEvent for a refused burst of login attempts (the account, when it exists, and the address);
    one a minute per account, so that a flood of refused requests does not become a flood of rows."""
    user_id = (session.scalar(select(User.id).where(User.username == username[:50])) if username else None) or 0
    recent = session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "login_throttled", AuditEvent.entity_id == user_id,
        AuditEvent.at >= now - timedelta(minutes=1)).limit(1))
    if recent is None:
        session.add(AuditEvent(actor_id=None, action="login_throttled", entity="users", entity_id=user_id,
                               before=None, after={"username": username[:50], "address": address[:64]}, at=now))
