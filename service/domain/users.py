"""Logins: creating users and checking passwords."""
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from models import USER_ROLES, Township, User, Village

from ..errors import FieldErrors
from .audit import record_write

# Checked when the username is unknown, so that a miss costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-password")
MIN_PASSWORD_LENGTH = 8


def create_user(
    session,
    username: str,
    role: str,
    password: str,
    township_code: str | None = None,
    village_id: int | None = None,
    staff_id: int | None = None,
) -> User:
    """A new login, scoped to a township (by code) or a village; county administrators have no scope."""
    errors: dict = {}
    if role not in USER_ROLES:
        errors["role"] = [f"must be one of {', '.join(USER_ROLES)}"]
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = [f"must be at least {MIN_PASSWORD_LENGTH} characters"]
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        errors["username"] = ["already exists"]
    township_id = None
    if village_id is not None:
        village = session.get(Village, village_id)
        if village is None:
            errors["village_id"] = [f"unknown village {village_id}"]
        else:
            township_id = village.township_id
    elif township_code:
        township_id = session.scalar(select(Township.id).where(Township.code == township_code))
        if township_id is None:
            errors["township"] = [f"unknown township code {township_code}"]
    if role != "county_admin" and township_id is None and "township" not in errors:
        errors["township"] = ["this role needs a township"]
    if role == "village_staff" and village_id is None:
        errors["village_id"] = ["village staff need a village"]
    if errors:
        raise FieldErrors(errors)
    user = User(
        username=username,
        role=role,
        password_hash=generate_password_hash(password),
        township_id=None if role == "county_admin" else township_id,
        village_id=village_id if role == "village_staff" else None,
        staff_id=staff_id,
    )
    session.add(user)
    record_write(session, None, "create", user, None)
    return user


def authenticate(session, username: str, password: str) -> User | None:
    """The active user with that username and password, or None."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user
