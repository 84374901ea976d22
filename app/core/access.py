"""Who may change what: roles as data, checked by every writing service."""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, literal, or_

from app.core.errors import Forbidden
from app.core.i18n import _, lang
from app.core.lookup import actor
from app.core.vocabulary import Role

A, C, S, OFF = Role.ADMIN, Role.COORDINATOR, Role.COMMUNITY_STAFF, Role.OFFICIAL

WRITERS: dict[str, frozenset[Role]] = {
    "areas": frozenset({A, C}),
    "items": frozenset({A, C}),
    "norms": frozenset({A, C}),
    "depots": frozenset({A, C}),
    "stock": frozenset({A, C, S}),
    "shelters": frozenset({A, C, S}),
    "occupancy": frozenset({A, C, S}),
    "teams": frozenset({A, C, S}),
    "levels": frozenset({A, C}),
    "users": frozenset({A}),
    "incidents": frozenset({A, C}),
    "dispatches": frozenset({A, C, S}),
    "import": frozenset({A, C, S}),
    "drills": frozenset({A, C, S}),
    "requirements": frozenset({A, C}),
    "actions": frozenset({A, C, S}),
    "plans": frozenset({A, C, S}),
    "exercises": frozenset({A, C, S}),
}
AUDIT_READERS = frozenset({A, C, OFF})


def require_writer(domain: str) -> None:
    """Refuse a change from a role that may not make it."""
    who = actor()
    if who.role not in WRITERS[domain]:
        raise Forbidden(_("Your role (%(role)s) cannot make this change.",
                          role=who.role.label(lang())))


def can_write(role: Role, domain: str) -> bool:
    return role in WRITERS[domain]


def in_scope_or_above(path: Any) -> ColumnElement[bool]:
    """SQL: an area column's path lies in the actor's subtree or above it (the district's and
    the street's rules apply in a community; a sibling community's do not)."""
    mine = actor().area_path
    return or_(path.startswith(mine), literal(mine).startswith(path))
