"""Who may change what: roles as data, checked by every writing service."""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, literal, or_, select
from sqlalchemy.orm import Session

from app.core.db import Base
from app.core.errors import Forbidden, ValidationFailed
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
    "points": frozenset({A, C, S}),
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
    "sitreps": frozenset({A, C, S}),
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


def narrowed_scope(session: Session, area_code: str | None) -> str:
    """The path prefix a listing filters on: the actor's subtree, narrowed to an area in it.
    An area above the actor's narrows to their own subtree; an unknown area is refused (422),
    an area elsewhere too (403). The area tree is the `areas` table (read, not imported)."""
    who = actor()
    if not area_code:
        return who.area_path
    areas = Base.metadata.tables["areas"]
    path = session.scalar(select(areas.c.path).where(areas.c.code == area_code))
    if path is None:
        raise ValidationFailed(_("No area with code '%(code)s'.", code=area_code), field="area")
    if who.covers(path):
        return str(path)
    if who.area_path.startswith(path):
        return who.area_path
    raise Forbidden(_("That area is outside your responsibility."), field="area")
