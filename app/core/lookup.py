"""Find records by their public code, with scope checks; shared by every service."""
from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.actor import Principal, current_actor
from app.core.errors import Forbidden, NotFound, ValidationFailed
from app.core.i18n import _

T = TypeVar("T")

def noun_of(model: type) -> str:
    """The record kind in the reader's language (the words are in the catalogue)."""
    words = {"area": _("area"), "depot": _("depot"), "item": _("item"),
             "shelter": _("shelter"), "team": _("team"), "vehicle": _("vehicle"),
             "receivingpoint": _("receiving point")}
    noun = model.__name__.lower()
    return words.get(noun, noun)


def next_codes(session: Session, column: Any, prefix: str, n: int = 1) -> list[str]:
    """The next n codes after the highest taken one with this prefix: `DRL-2027-` gives
    DRL-2027-015, -016, … (three digits at least; codes not ending in a number are skipped)."""
    taken = session.scalars(select(column).where(column.startswith(prefix)))
    last = max((int(tail) for code in taken if (tail := code[len(prefix):]).isdigit()),
               default=0)
    return [f"{prefix}{last + i:03d}" for i in range(1, n + 1)]


def by_code(session: Session, model: type[T], code: str, field: str | None = None) -> T:
    """Load a record by code or raise NotFound naming the field."""
    obj = session.scalar(select(model).where(model.code == code))  # type: ignore[attr-defined]
    if obj is None:
        raise NotFound(_("No %(noun)s with code '%(code)s'.", noun=noun_of(model), code=code),
                       field=field or model.__name__.lower())
    return obj


def actor() -> Principal:
    principal = current_actor()
    if principal is None:  # services are only reached through an authenticated entry point
        raise Forbidden("No authenticated actor.")
    return principal


def owning_path(obj: Any) -> str | None:
    """The materialised path of the area a record belongs to, or None for a shared record
    (catalogue items, norms of no particular area, district-wide notifications)."""
    if hasattr(obj, "path") and hasattr(obj, "parent_id"):  # an area itself
        return str(obj.path)
    for attr in ("area", "home_area", "district"):
        area = getattr(obj, attr, None)
        if area is not None:
            return str(area.path)
    if getattr(obj, "depot", None) is not None:
        return str(obj.depot.area.path)
    if getattr(obj, "team", None) is not None:
        return str(obj.team.home_area.path)
    return None


def area_path_of(obj: Any) -> str:
    """The materialised path of the area a record belongs to (it must belong to one)."""
    path = owning_path(obj)
    if path is None:
        raise TypeError(f"{type(obj).__name__} has no area")
    return path


def ensure_visible(obj: Any, field: str | None = None) -> None:
    """Refuse a record (read, or named in a field) outside the actor's subtree; shared records
    (no area) are visible to everyone."""
    path = owning_path(obj)
    if path is not None and not actor().covers(path):
        raise Forbidden(_("This record belongs to an area outside your responsibility."),
                        field=field)


def ensure_in_scope(obj: Any, field: str | None = None) -> None:
    """Refuse records outside the acting user's area subtree (403, never a leak of data)."""
    principal = actor()
    if not principal.covers(area_path_of(obj)):
        raise Forbidden(_("This record belongs to an area outside your responsibility."),
                        field=field)


def ensure_applies(obj: Any, field: str | None = None) -> None:
    """Refuse a record that is neither in the actor's subtree nor above it: a community may
    follow its street's and district's plans, never a sibling community's."""
    path = owning_path(obj)
    mine = actor().area_path
    if path is not None and not (path.startswith(mine) or mine.startswith(path)):
        raise Forbidden(_("This record belongs to an area outside your responsibility."),
                        field=field)


def scoped_by_code(session: Session, model: type[T], code: str, field: str | None = None) -> T:
    obj = by_code(session, model, code, field)
    ensure_in_scope(obj, field)
    return obj


def reject_unknown(data: dict[str, Any], allowed: set[str]) -> None:
    """Refuse input naming a field the writer does not know (the first, alphabetically)."""
    unknown = set(data) - allowed
    if unknown:
        field = sorted(unknown)[0]
        raise ValidationFailed(_("Unknown field '%(field)s'.", field=field), field=field)
