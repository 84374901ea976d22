"""Users, password hashing (Argon2id) and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.accounts.models import ApiToken, User
from app.areas.models import Area
from app.core.access import require_writer
from app.core.actor import Principal
from app.core.db import unit_of_work, utcnow
from app.core.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from app.core.i18n import _
from app.core.lookup import by_code, ensure_in_scope
from app.core.vocabulary import Role

_hasher = PasswordHasher()
MIN_PASSWORD = 10
TOKEN_PREFIX = "rg_"


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(_("A password has at least %(n)s characters.", n=MIN_PASSWORD),
                               field="password")
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def principal_of(user: User) -> Principal:
    return Principal(user.id, user.username, user.role, user.area_id, user.area.path)


def create_user(session: Session, data: dict[str, Any]) -> User:
    """Create a user scoped to an area subtree (inside the creator's own)."""
    require_writer("users")
    data = dict(data)
    with unit_of_work(session):
        area = by_code(session, Area, data.pop("area"), "area")
        ensure_in_scope(area, "area")
        if session.scalar(select(User.id).where(User.username == data["username"])):
            raise Conflict(_("User '%(name)s' already exists.", name=data["username"]),
                           field="username")
        user = User(area_id=area.id, password_hash=hash_password(data.pop("password")),
                    role=Role(data.pop("role")), **data)
        session.add(user)
        session.flush()
    return user


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(_("No user '%(name)s'.", name=username), field="username")
    ensure_in_scope(user)
    return user


def update_user(session: Session, username: str, data: dict[str, Any]) -> User:
    require_writer("users")
    data = dict(data)
    with unit_of_work(session):
        user = _user(session, username)
        if "password" in data:
            user.password_hash = hash_password(data.pop("password"))
        if "area" in data:
            area = by_code(session, Area, data.pop("area"), "area")
            ensure_in_scope(area, "area")
            user.area_id = area.id
        if "role" in data:
            user.role = Role(data.pop("role"))
        for key, value in data.items():
            setattr(user, key, value)
        session.flush()
    return user


def issue_token(session: Session, username: str, name: str,
                ttl_days: int | None = 90) -> tuple[str, ApiToken]:
    """Create a bearer token; the clear text is returned once and never stored."""
    with unit_of_work(session):
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
                raise NotFound(_("No user '%(name)s'.", name=username), field="username")
        clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(user_id=user.id, name=name, prefix=clear[:10],
                         token_hash=hashlib.sha256(clear.encode()).hexdigest(),
                         expires_at=utcnow() + timedelta(days=ttl_days) if ttl_days else None)
        session.add(token)
    return clear, token


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)
                                .order_by(ApiToken.id)))


def revoke_token(session: Session, user_id: int, token_id: int) -> None:
    """Revoke one of the caller's own tokens (it stops working at once)."""
    with unit_of_work(session):
        token = session.get(ApiToken, token_id)
        if token is None or token.user_id != user_id:
            raise NotFound(f"You have no token {token_id}.", field="token_id")
        if token.revoked_at is None:
            token.revoked_at = utcnow()


def principal_for_token(session: Session, clear: str) -> Principal:
    """Resolve a bearer token, or raise Unauthorized (expired, revoked or unknown)."""
    digest = hashlib.sha256(clear.encode()).hexdigest()
    # token, user and the user's area in one round trip: this runs before every API call
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest)
                           .options(joinedload(ApiToken.user).joinedload(User.area)))
    now = utcnow()
    if token is None or token.revoked_at is not None or not token.user.active:
        raise Unauthorized("The API token is not valid.")
    if token.expires_at is not None and token.expires_at < now:
        raise Unauthorized("The API token has expired; create a new one.")
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        with unit_of_work(session):  # coarse, so reads do not write on every call
            token.last_used_at = now
    return principal_of(token.user)


def login(session: Session, username: str, password: str) -> User:
    """Check a password, counting failures and locking the account for a while after five."""
    user = session.scalar(select(User).where(User.username == username))
    now = utcnow()
    if user is None or not user.active:
        _hasher.hash(password or "x")  # same cost as a real check: no user enumeration by time
        raise Unauthorized("Unknown user name or wrong password.")
    if user.locked_until is not None and user.locked_until > now:
        raise Unauthorized("Too many failed sign-ins; try again in a few minutes.")
    with unit_of_work(session):
        if not check_password(user, password):
            user.failed_logins += 1
            if user.failed_logins >= 5:
                user.locked_until = now + timedelta(minutes=2 ** min(user.failed_logins - 5, 6))
            ok = False
        else:
            user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
            ok = True
    if not ok:
        raise Unauthorized("Unknown user name or wrong password.")
    return user

