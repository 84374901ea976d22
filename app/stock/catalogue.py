"""Items, planning norms, depots and depot minimums."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from app.areas.models import Area
from app.core import crud
from app.core.access import in_scope_or_above, require_writer
from app.core.db import unit_of_work
from app.core.errors import NotFound, ValidationFailed
from app.core.i18n import _
from app.core.lookup import by_code, scoped_by_code
from app.stock.enums import NormBasis
from app.stock.models import Depot, DepotMinimum, Item, PlanningNorm


def _check_norm(_session: Session, norm: PlanningNorm) -> None:
    if norm.basis == NormBasis.PEOPLE_N and not norm.people_n:
        raise ValidationFailed(_("A per-N-people norm needs people_n (e.g. 50 for one toilet "
                                 "per 50 people)."), field="people_n")
    if not (norm.source or "").strip():
        raise ValidationFailed(_("Every norm carries its source."), field="source")


ITEM = crud.Resource(Item, "items", "item", scoped=False)
DEPOT = crud.Resource(Depot, "depots", "depot", refs={"area": (Area, "area_id")})
NORM = crud.Resource(PlanningNorm, "norms", "norm", scoped=False, check=_check_norm,
                        refs={"item": (Item, "item_id"), "area": (Area, "area_id")})


def norms(item: str | None = None) -> Select[tuple[PlanningNorm]]:
    """The norms the actor may read: the defaults (no area) and the local norms of their areas
    and of the areas above them, never another community's."""
    stmt = (select(PlanningNorm).join(Item).outerjoin(Area, PlanningNorm.area_id == Area.id)
            .where(or_(PlanningNorm.area_id.is_(None), in_scope_or_above(Area.path)))
            .options(selectinload(PlanningNorm.item)))
    return stmt.where(Item.code == item) if item else stmt


def norm(session: Session, norm_id: int) -> PlanningNorm:
    """One norm the actor may read, else NotFound (another community's norm is not shown)."""
    found = session.scalar(norms().where(PlanningNorm.id == norm_id))
    if found is None:
        raise NotFound(_("No planning norm %(id)s.", id=norm_id), field="id")
    return found


_norm = norm


def update_norm(session: Session, norm_id: int, data: dict[str, Any]) -> PlanningNorm:
    """Edit a norm (local plans override the defaults)."""
    require_writer("norms")
    with unit_of_work(session):
        norm = _norm(session, norm_id)
        crud._assign(session, NORM, norm, data)
        _check_norm(session, norm)
        session.flush()
    return norm


def delete_norm(session: Session, norm_id: int) -> None:
    require_writer("norms")
    with unit_of_work(session):
        session.delete(_norm(session, norm_id))


def set_minimum(session: Session, depot_code: str, item_code: str, minimum: int | None) -> None:
    """Set (or with None, clear) a depot's own minimum level for an item."""
    require_writer("depots")
    if minimum is not None and minimum < 0:
        raise ValidationFailed(_("A minimum cannot be negative."), field="minimum")
    with unit_of_work(session):
        depot = scoped_by_code(session, Depot, depot_code, "depot")
        item = by_code(session, Item, item_code, "item")
        row = session.get(DepotMinimum, (depot.id, item.id))
        if minimum is None:
            if row is not None and row.reserve is not None:  # the reserve floor stays
                row.minimum = item.min_per_depot
            elif row is not None:
                session.delete(row)
        elif row is None:
            session.add(DepotMinimum(depot_id=depot.id, item_id=item.id, minimum=minimum))
        else:
            row.minimum = minimum


def minimums(session: Session, depot_code: str) -> dict[str, int]:
    depot = scoped_by_code(session, Depot, depot_code, "depot")
    items = session.scalars(select(Item)).all()
    overrides = {m.item_id: m.minimum for m in depot.minimums}
    return {i.code: overrides.get(i.id, i.min_per_depot) for i in items}

