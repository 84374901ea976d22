"""Protected reserves: the floor of each depot x item that allocation plans leave in place.

The floor is the depot's own reserve figure where one is set (with its source), else its
minimum level (the depot's override, else the item's default). How much of it a plan may use
is the response level's policy (resources: MobilisationLevel.reserve_release_pct); a
coordinator may release more for one incident (incidents.reserves).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.access import require_writer
from app.core.db import unit_of_work
from app.core.errors import ValidationFailed
from app.core.i18n import _
from app.core.lookup import by_code, scoped_by_code
from app.stock.models import Depot, DepotMinimum, Item

MAX_RESERVE = 10_000_000  # units of one item in one depot: more is a typo


@dataclass(frozen=True)
class Floor:
    """A depot's protected reserve of one item, and where the figure comes from."""

    units: int
    source: str  # "reserve" (set for the depot), "depot minimum" or "item minimum"
    note: str = ""  # the source text given with a reserve set for the depot


def floors(session: Session, depot_ids: list[int]) -> dict[tuple[int, str], Floor]:
    """The protected reserve of every depot x item with a floor above zero."""
    items = {i.id: (i.code, i.min_per_depot) for i in session.scalars(select(Item))}
    out: dict[tuple[int, str], Floor] = {}
    defaults = [(iid, code, m) for iid, (code, m) in items.items() if m > 0]
    for depot_id in depot_ids:
        for _iid, code, minimum in defaults:
            out[(depot_id, code)] = Floor(minimum, "item minimum")
    if not depot_ids:
        return out
    for row in session.scalars(select(DepotMinimum).where(DepotMinimum.depot_id.in_(depot_ids))):
        code = items[row.item_id][0]
        if row.reserve is not None:
            floor = Floor(row.reserve, "reserve", row.reserve_source)
        else:
            floor = Floor(row.minimum, "depot minimum")
        if floor.units > 0:
            out[(row.depot_id, code)] = floor
        else:
            out.pop((row.depot_id, code), None)
    return out


def set_reserve(session: Session, depot_code: str, item_code: str, units: int | None,
                source: str = "") -> None:
    """Set a depot's protected reserve of an item with its source (None: the minimum level
    is the reserve again)."""
    require_writer("depots")
    if units is not None and not 0 <= units <= MAX_RESERVE:
        raise ValidationFailed(_("A reserve is between 0 and %(max)s units.", max=MAX_RESERVE),
                               field="units")
    if units is not None and not source.strip():
        raise ValidationFailed(_("Say where the reserve figure comes from."), field="source")
    with unit_of_work(session):
        depot = scoped_by_code(session, Depot, depot_code, "depot")
        item = by_code(session, Item, item_code, "item")
        row = session.get(DepotMinimum, (depot.id, item.id))
        if row is None:
            if units is None:
                return
            row = DepotMinimum(depot_id=depot.id, item_id=item.id, minimum=item.min_per_depot)
            session.add(row)
        row.reserve = units
        row.reserve_source = source.strip() if units is not None else ""


def of_depot(session: Session, depot_code: str) -> list[dict[str, object]]:
    """A depot's protected reserves, item by item (items without one left out)."""
    depot = scoped_by_code(session, Depot, depot_code, "depot")
    return [{"item": item, "units": f.units, "source": f.source, "note": f.note}
            for (_d, item), f in sorted(floors(session, [depot.id]).items())]
