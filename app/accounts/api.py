"""Sign-in for machines (tokens), users, the caller, and the audit log."""
from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts import schemas as s
from app.accounts import services as users
from app.accounts.models import User
from app.api.common import PROBLEM_RESPONSES, ListQuery, envelope, principal
from app.areas.models import Area
from app.core import db
from app.core.access import AUDIT_READERS, require_writer
from app.core.errors import Forbidden
from app.core.listing import page_of
from app.core.models import AuditEntry

bp = APIBlueprint("auth", __name__, url_prefix="/api/v1", tag="Users and audit")
UserPage = envelope(s.UserOut, "UserPage")
AuditPage = envelope(s.AuditOut, "AuditPage")


@bp.post("/auth/token")
@bp.input(s.TokenRequest, arg_name="json_data")
@bp.output(s.TokenOut, status_code=201)
@bp.doc(summary="Exchange a user name and password for an API token",
        responses={401: "Wrong credentials or locked account (problem details)"})
def issue_token(json_data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    session = db.session()
    user = users.login(session, json_data["username"], json_data["password"])
    clear, token = users.issue_token(session, user.username, json_data["name"],
                                     current_app.config["TOKEN_TTL_DAYS"])
    return {"token": clear, "name": token.name, "expires_at": token.expires_at,
            "username": user.username, "role": user.role.value}, 201


@bp.get("/me")
@bp.output(s.MeOut)
@bp.doc(summary="Who the caller is", responses=PROBLEM_RESPONSES)
def me() -> dict[str, Any]:
    who = principal()
    area = db.session().get(Area, who.area_id) if who.area_id else None
    return {"username": who.username, "role": who.role.value,
            "area": area.code if area else None}


@bp.get("/tokens")
@bp.output(s.TokensOut)
@bp.doc(summary="Your API tokens (never their secret)", responses=PROBLEM_RESPONSES)
def list_tokens() -> dict[str, Any]:
    return {"items": users.tokens_of(db.session(), _own_id())}


@bp.delete("/tokens/<int:token_id>")
@bp.output({}, status_code=204)
@bp.doc(summary="Revoke one of your API tokens", responses=PROBLEM_RESPONSES)
def revoke_token(token_id: int) -> tuple[str, int]:
    users.revoke_token(db.session(), _own_id(), token_id)
    return "", 204


def _own_id() -> int:
    who = principal()
    if who.user_id is None:
        raise Forbidden("Only users have tokens.")
    return who.user_id


def _users_visible() -> Any:
    return (select(User).join(Area, Area.id == User.area_id)
            .options(selectinload(User.area))
            .where(Area.path.startswith(principal().area_path)))


@bp.get("/users")
@bp.input(ListQuery, location="query", arg_name="args")
@bp.output(UserPage)
@bp.doc(summary="List users in your subtree (administrators)", responses=PROBLEM_RESPONSES)
def list_users(args: dict[str, Any]) -> dict[str, Any]:
    require_writer("users")
    return page_of(_users_visible(), args, {"username": User.username, "role": User.role},
                   [User.username, User.display_name], "username")


@bp.post("/users")
@bp.input(s.UserIn, arg_name="json_data")
@bp.output(s.UserOut, status_code=201)
@bp.doc(summary="Create a user scoped to an area", responses=PROBLEM_RESPONSES)
def create_user(json_data: dict[str, Any]) -> tuple[User, int]:
    return users.create_user(db.session(), json_data), 201


@bp.patch("/users/<username>")
@bp.input(s.UserPatch, arg_name="json_data")
@bp.output(s.UserOut)
@bp.doc(summary="Change a user (role, area, password, active)", responses=PROBLEM_RESPONSES)
def update_user(username: str, json_data: dict[str, Any]) -> User:
    return users.update_user(db.session(), username, json_data)


class AuditListQuery(ListQuery, s.AuditQuery):
    pass


@bp.get("/audit")
@bp.input(AuditListQuery, location="query", arg_name="args")
@bp.output(AuditPage)
@bp.doc(summary="Who changed what, with before and after (newest first)",
        responses=PROBLEM_RESPONSES)
def list_audit(args: dict[str, Any]) -> dict[str, Any]:
    who = principal()
    if who.role not in AUDIT_READERS:
        raise Forbidden("Your role cannot read the audit log.")
    stmt = select(AuditEntry)
    if who.area_path.count("/") > 2:  # below district level: only your area's users' changes
        stmt = stmt.where(AuditEntry.user_id.in_(select(User.id).join(Area).where(
            Area.path.startswith(who.area_path))))
    for key in ("entity", "entity_id", "actor"):
        if args[key]:
            stmt = stmt.where(getattr(AuditEntry, key) == args[key])
    return page_of(stmt, args, {"id": AuditEntry.id, "at": AuditEntry.at},
                   [AuditEntry.summary, AuditEntry.entity], "-id")
