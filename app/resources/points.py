"""Receiving points (物资接收点): where a community, or a large grid, takes delivery.

One point per area (a community, or a grid that receives on its own). It is one of the
community's depots, one of its shelters, or an address, with the person who signs for the
supplies and a phone. Allocation plans send to points; a grid without a point of its own
receives through its community's.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.areas.models import Area
from app.core import crud
from app.core.errors import ValidationFailed
from app.core.fields import enum_field, phone_field
from app.core.i18n import _
from app.core.vocabulary import AreaLevel
from app.resources.enums import PointKind
from app.resources.models import ReceivingPoint, Shelter
from app.stock.models import Depot


def _check_point(session: Session, point: ReceivingPoint) -> None:
    area = session.get(Area, point.area_id) if point.area_id else None
    if area is None:
        raise ValidationFailed(_("A receiving point needs its area."), field="area")
    if area.level not in (AreaLevel.COMMUNITY, AreaLevel.GRID):
        raise ValidationFailed(_("Receiving points belong to a community or a grid."),
                               field="area")
    point.kind = enum_field(PointKind, point.kind, "kind")
    home = area.unit().path  # a grid's point may be at its community's depot or shelter
    if point.kind is PointKind.DEPOT:
        _own_place(session.get(Depot, point.depot_id) if point.depot_id else None, home,
                   "depot", _("Name the depot the point is at."),
                   _("The depot must be one of the community's own."))
        point.shelter_id = None
    elif point.kind is PointKind.SHELTER:
        _own_place(session.get(Shelter, point.shelter_id) if point.shelter_id else None, home,
                   "shelter", _("Name the shelter the point is at."),
                   _("The shelter must be one of the community's own."))
        point.depot_id = None
    else:
        point.depot_id = point.shelter_id = None
        if not (point.address or "").strip():
            raise ValidationFailed(_("An address point needs its address."), field="address")
    if not (point.contact_name or "").strip():
        raise ValidationFailed(_("Name the person who signs for deliveries."),
                               field="contact_name")
    point.contact_phone = phone_field(point.contact_phone, "contact_phone")
    if (point.lat is None) != (point.lon is None):
        raise ValidationFailed(_("Give both latitude and longitude, or neither."), field="lat")


def _own_place(place: Depot | Shelter | None, home: str, field: str, missing: str,
               foreign: str) -> None:
    """The depot or shelter a point is at: named, and in the point's community."""
    if place is None:
        raise ValidationFailed(missing, field=field)
    if not place.area.path.startswith(home):
        raise ValidationFailed(foreign, field=field)


POINT = crud.Resource(ReceivingPoint, "points", "point",
                      refs={"area": (Area, "area_id"), "depot": (Depot, "depot_id"),
                            "shelter": (Shelter, "shelter_id")},
                      check=_check_point)


def point_code(area_code: str) -> str:
    """The code a point of this area gets unless given one."""
    return f"RP-{area_code}"


def points_for(session: Session, areas: Iterable[Area]) -> dict[int, ReceivingPoint]:
    """For each area (a grid or a community): the point it receives through — its own, else
    its community's. Areas with neither are left out."""
    areas = list(areas)
    wanted = {a.id for a in areas} | {a.unit_id for a in areas}
    own = {p.area_id: p for p in session.scalars(
        select(ReceivingPoint).where(ReceivingPoint.area_id.in_(wanted))
        .options(selectinload(ReceivingPoint.area), selectinload(ReceivingPoint.depot),
                 selectinload(ReceivingPoint.shelter)))}
    out = {}
    for area in areas:
        point = own.get(area.id) or own.get(area.unit_id)
        if point is not None:
            out[area.id] = point
    return out
