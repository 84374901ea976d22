"""Shelters and their live occupancy."""
from __future__ import annotations

from sqlalchemy.orm import Session

from app.areas.models import Area
from app.core import crud
from app.core.access import require_writer
from app.core.db import unit_of_work, utcnow
from app.core.errors import ValidationFailed
from app.core.i18n import _
from app.core.lookup import actor, scoped_by_code
from app.resources.enums import Facility, ShelterStatus
from app.resources.models import OccupancyReport, Shelter


def _check_shelter(_session: Session, shelter: Shelter) -> None:
    try:
        shelter.facilities = sorted({Facility.parse(f).value for f in shelter.facilities or []})
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="facilities") from None
    if shelter.capacity is None or shelter.capacity < 0:
        raise ValidationFailed(_("Capacity is a number of persons, zero or more."),
                               field="capacity")


SHELTER = crud.Resource(Shelter, "shelters", "shelter", refs={"area": (Area, "area_id")},
                           check=_check_shelter)


def update_occupancy(session: Session, code: str, occupancy: int,
                     status: ShelterStatus | None = None, note: str = "") -> Shelter:
    """Record how many people are in a shelter now; status follows unless given."""
    require_writer("occupancy")
    if occupancy < 0:
        raise ValidationFailed(_("Occupancy cannot be negative."), field="occupancy")
    with unit_of_work(session):
        shelter = scoped_by_code(session, Shelter, code, "shelter")
        if status is None:
            status = _status_for(shelter, occupancy)
        elif status is ShelterStatus.CLOSED and occupancy > 0:
            raise ValidationFailed(_("A closed shelter holds nobody; set occupancy to 0 "
                                     "first."), field="status")
        now = utcnow()
        shelter.occupancy, shelter.status, shelter.occupancy_updated_at = occupancy, status, now
        who = actor()
        session.add(OccupancyReport(shelter_id=shelter.id, occupancy=occupancy,
                                    status=status.value, note=note, user_id=who.user_id,
                                    actor=who.label, reported_at=now))
    return shelter


def _status_for(shelter: Shelter, occupancy: int) -> ShelterStatus:
    if occupancy >= shelter.capacity > 0:
        return ShelterStatus.FULL
    if occupancy > 0:
        return ShelterStatus.OPEN
    current = ShelterStatus(shelter.status)
    return ShelterStatus.OPEN if current is ShelterStatus.FULL else current
