"""Situation reports: what coordinators and community staff saw, added to an incident's log."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.areas.models import Area
from app.core.access import require_writer
from app.core.db import unit_of_work, utcnow
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.i18n import _
from app.core.lookup import actor, by_code
from app.incidents import services as incidents
from app.incidents.enums import IncidentStatus
from app.incidents.log_models import (
    COUNTS,
    PHOTO_MAX,
    TEXT_MAX,
    SituationPhoto,
    SituationReport,
)
from app.incidents.models import Incident


@dataclass(frozen=True)
class ReportInput:
    """A report as typed at any door: text, an area code, counts, the photo's bytes."""

    text: str
    area: str | None = None
    counts: dict[str, int | None] = field(default_factory=dict)
    photo: bytes | None = None


def photo_type(data: bytes) -> str | None:
    """The image type its first bytes say (JPEG, PNG or WebP), else None: never the name."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _checked_photo(data: bytes | None) -> SituationPhoto | None:
    if not data:
        return None
    if len(data) > PHOTO_MAX:
        raise ValidationFailed(_("The photo is larger than %(mb)s MB.", mb=PHOTO_MAX >> 20),
                               field="photo")
    kind = photo_type(data)
    if kind is None:
        raise ValidationFailed(_("The photo must be a JPEG, PNG or WebP image."), field="photo")
    return SituationPhoto(content_type=kind, size=len(data), data=data)


def _checked_counts(counts: dict[str, int | None]) -> dict[str, int | None]:
    unknown = sorted(set(counts) - set(COUNTS))
    if unknown:
        raise ValidationFailed(_("Unknown field '%(field)s'.", field=unknown[0]),
                               field=unknown[0])
    for key, value in counts.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not 0 <= value <= COUNTS[key]):
            raise ValidationFailed(_("A count is a whole number from 0 to %(max)s.",
                                     max=f"{COUNTS[key]:,}"), field=key)
    return {key: counts.get(key) for key in COUNTS}


def _area(session: Session, incident: Incident, code: str | None) -> Area | None:
    """An affected area or the community of one, in the author's scope; none only for an
    author who covers every affected area."""
    who = actor()
    if not code:
        if all(who.covers(ia.area.path) for ia in incident.areas):
            return None
        raise ValidationFailed(_("Name the area you report on."), field="area")
    area = by_code(session, Area, code.strip(), "area")
    allowed = {ia.area.id for ia in incident.areas} | {ia.area.unit().id for ia in incident.areas}
    if area.id not in allowed:
        raise ValidationFailed(_("%(code)s is not an affected area of this incident.",
                                 code=area.code), field="area")
    if not who.covers(area.path):
        raise ValidationFailed(_("That area is outside your responsibility."), field="area")
    return area


def add(session: Session, code: str, given: ReportInput) -> int:
    """Add a situation report to an incident's log; returns its id."""
    require_writer("sitreps")
    text = given.text.strip()
    if not text:
        raise ValidationFailed(_("Write what you saw."), field="text")
    if len(text) > TEXT_MAX:
        raise ValidationFailed(_("At most %(n)s characters.", n=TEXT_MAX), field="text")
    counts = _checked_counts(given.counts)
    photo = _checked_photo(given.photo)
    with unit_of_work(session):
        incident = incidents.load(session, code)
        if incident.status is not IncidentStatus.ACTIVE:
            raise Conflict(_("Incident %(code)s is not active.", code=code), field="incident")
        report = SituationReport(incident_id=incident.id, text=text,
                                 area=_area(session, incident, given.area), at=utcnow(),
                                 by=actor().label, photo_type=photo and photo.content_type,
                                 **counts)
        session.add(report)
        session.flush()
        if photo is not None:
            photo.report_id = report.id
            session.add(photo)
        return report.id


def reports(session: Session, incident_id: int) -> list[dict[str, Any]]:
    """The incident's reports as plain data, oldest first (their photos not loaded)."""
    rows = session.execute(select(SituationReport, Area.code).outerjoin(
        Area, Area.id == SituationReport.area_id).where(
        SituationReport.incident_id == incident_id).order_by(SituationReport.at,
                                                             SituationReport.id)).all()
    return [{"id": r.id, "at": r.at, "by": r.by, "area": area, "text": r.text,
             "counts": {k: getattr(r, k) for k in COUNTS if getattr(r, k) is not None},
             "photo": r.photo_type} for r, area in rows]


def photo(session: Session, code: str, report_id: int) -> tuple[bytes, str]:
    """A report's photo (bytes, content type), for whoever may see the incident."""
    incident = incidents.load(session, code)
    found = session.execute(select(SituationPhoto.data, SituationPhoto.content_type).join(
        SituationReport, SituationReport.id == SituationPhoto.report_id).where(
        SituationReport.id == report_id, SituationReport.incident_id == incident.id)).first()
    if found is None:
        raise NotFound(_("No photo for report %(id)s.", id=report_id), field="report")
    return bytes(found[0]), str(found[1])
