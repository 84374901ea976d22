"""The area tree: level rules, materialised paths and people totals rolled up the tree."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.areas.models import PEOPLE_FIELDS, Area
from app.core import crud
from app.core.access import require_writer
from app.core.db import unit_of_work
from app.core.errors import Conflict, ValidationFailed
from app.core.i18n import _, lang
from app.core.lookup import actor, by_code, ensure_in_scope
from app.core.vocabulary import LEVEL_ORDER, AreaLevel, Hazard

AREA = crud.Resource(Area, "areas", "area", refs={"parent": (Area, "parent_id")})


def _check_level(parent: Area | None, level: AreaLevel) -> None:
    if parent is None:
        if level is not AreaLevel.DISTRICT:
            raise ValidationFailed(_("Only a district has no parent area."), field="parent")
        return
    expected = LEVEL_ORDER[LEVEL_ORDER.index(parent.level) + 1] \
        if parent.level is not AreaLevel.GRID else None
    if expected is None:
        raise ValidationFailed(_("A grid cannot have sub-areas."), field="parent")
    if level is not expected:
        raise ValidationFailed(_("Under a %(parent)s comes a %(expected)s, not a %(level)s.",
                                 parent=parent.level.label(lang()),
                                 expected=expected.label(lang()), level=level.label(lang())),
                               field="level")


def _check_hazards(hazards: list[str]) -> list[str]:
    try:
        return [Hazard.parse(h).value for h in hazards]
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="hazards") from None


def create_area(session: Session, data: dict[str, Any]) -> Area:
    """Add an area under its parent; its people figures roll up to the ancestors."""
    require_writer("areas")
    data = dict(data)
    with unit_of_work(session):
        parent = by_code(session, Area, data.pop("parent"), "parent") \
            if data.get("parent") else None
        if parent is not None:
            ensure_in_scope(parent, "parent")
        elif actor().area_path:
            raise ValidationFailed(_("Only an administrator of the whole system can add a "
                                     "district."), field="parent")
        level = AreaLevel(data["level"])
        _check_level(parent, level)
        if "hazards" in data:
            data["hazards"] = _check_hazards(data["hazards"])
        if session.scalar(select(Area.id).where(Area.code == data["code"])):
            raise Conflict(_("The code '%(code)s' is already used.", code=data["code"]),
                           field="code")
        area = Area(parent_id=parent.id if parent else None,
                    **{k: v for k, v in data.items() if k != "parent"})
        session.add(area)
        session.flush()
        area.path = f"{parent.path if parent else '/'}{area.id}/"
        session.flush()
        if parent is not None:
            rollup(session, area)
    return area


def update_area(session: Session, code: str, data: dict[str, Any]) -> Area:
    """Change names, location, hazards or (for areas without sub-areas) people figures."""
    require_writer("areas")
    data = dict(data)
    with unit_of_work(session):
        area = by_code(session, Area, code, "area")
        ensure_in_scope(area)
        for fixed in ("code", "level", "parent"):
            if fixed in data and data[fixed] != _current(area, fixed):
                raise ValidationFailed(_("The %(field)s of an area cannot be changed.",
                                         field=fixed), field=fixed)
            data.pop(fixed, None)
        people = [k for k in data if k in PEOPLE_FIELDS]
        if people and _has_children(session, area):
            raise ValidationFailed(_(
                "%(code)s has sub-areas: its %(field)s is the sum of theirs. Edit the grids "
                "instead.", code=area.code, field=people[0]), field=people[0])
        if "hazards" in data:
            data["hazards"] = _check_hazards(data["hazards"])
        for key, value in data.items():
            setattr(area, key, value)
        session.flush()
        if people:
            rollup(session, area)
    return area


def _current(area: Area, key: str) -> Any:
    if key == "parent":
        return area.parent.code if area.parent else None
    value = getattr(area, key)
    return value.value if hasattr(value, "value") else value


def _has_children(session: Session, area: Area) -> bool:
    return session.scalar(select(func.count()).where(Area.parent_id == area.id)) > 0


def delete_area(session: Session, code: str) -> None:
    """Delete an area with no sub-areas and nothing placed in it; totals above are redone."""
    require_writer("areas")
    with unit_of_work(session):
        area = by_code(session, Area, code, "area")
        ensure_in_scope(area)
        if _has_children(session, area):
            raise Conflict(_("%(code)s still has sub-areas; delete them first.", code=code),
                           field="code")
        path = area.path
        session.delete(area)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            raise Conflict(_("'%(code)s' is still in use (stock, shelters, teams, users or "
                             "sub-areas refer to it); it was not deleted.", code=code),
                           field="code") from None
        _rollup_ids(session, [int(x) for x in path.strip("/").split("/")][:-1])


def rollup(session: Session, area: Area) -> None:
    """Recompute people totals of every ancestor from its children, bottom-up."""
    _rollup_ids(session, [int(x) for x in area.path.strip("/").split("/")][:-1])


def _rollup_ids(session: Session, ancestor_ids: list[int]) -> None:
    for ancestor_id in reversed(ancestor_ids):
        sums = session.execute(
            select(*[func.coalesce(func.sum(getattr(Area, f)), 0) for f in PEOPLE_FIELDS])
            .where(Area.parent_id == ancestor_id)).one()
        ancestor = session.get_one(Area, ancestor_id)
        for name, value in zip(PEOPLE_FIELDS, sums, strict=True):
            setattr(ancestor, name, int(value))
    session.flush()
