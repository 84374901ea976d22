"""What an incident's plans keep of the depots' protected reserves, and releasing them.

A plan keeps each depot's protected reserve (stock.reserves.floors) less the share the
incident's response level may use (MobilisationLevel.reserve_release_pct), unless a
coordinator released the depot's reserve (or every depot's) for this incident. A release is
an audited record (ReserveRelease); the plan made after it may use those reserves.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.access import require_writer
from app.core.db import unit_of_work
from app.core.errors import Conflict, ValidationFailed
from app.core.i18n import _
from app.core.lookup import actor, by_code
from app.incidents import services as incidents
from app.incidents.models import Incident, ReserveRelease
from app.resources.models import MobilisationLevel
from app.stock import reserves
from app.stock.models import Depot


@dataclass(frozen=True)
class Policy:
    """How much of the protected reserves an incident's plans may use."""

    release_pct: int  # the level's share, 0-100
    source: str
    released_all: bool
    released: frozenset[int]  # depot ids released one by one

    def kept(self, depot_id: int, floor: int) -> int:
        """Units of a floor of `floor` units a plan must leave in the depot."""
        if self.released_all or depot_id in self.released:
            return 0
        return math.ceil(floor * (100 - self.release_pct) / 100)


def policy(session: Session, incident: Incident) -> Policy:
    level = session.scalar(select(MobilisationLevel).where(
        MobilisationLevel.district_id == incident.district_id,
        MobilisationLevel.level == incident.level))
    pct = level.reserve_release_pct if level is not None else 0
    source = level.reserve_release_source if level is not None else ""
    rows = session.execute(select(ReserveRelease.depot_id).where(
        ReserveRelease.incident_id == incident.id)).scalars().all()
    return Policy(pct, source, any(r is None for r in rows),
                  frozenset(r for r in rows if r is not None))


def kept(session: Session, rule: Policy,
         available: dict[tuple[int, str], int]) -> dict[tuple[int, str], int]:
    """Per (depot id, item) of the usable stock given: the units a plan under `rule` must
    not ship."""
    floor_of = reserves.floors(session, sorted({d for d, _ in available}))
    out = {}
    for key, units in available.items():
        floor = floor_of.get(key)
        if floor is None:
            continue
        keep = min(rule.kept(key[0], floor.units), units)
        if keep > 0:
            out[key] = keep
    return out


def release(session: Session, code: str, depot: str | None, reason: str) -> ReserveRelease:
    """Release the protected reserve of one depot (or, with None, of every depot) for this
    incident: its next plan may use it. Coordinators only; audited."""
    require_writer("incidents")
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed(_("Say why the reserve is released."), field="reason")
    if len(text) > 500:
        raise ValidationFailed(_("At most %(n)s characters.", n=500), field="reason")
    with unit_of_work(session):
        incident = incidents.writable(session, code)
        found = by_code(session, Depot, depot, "depot") if depot else None
        if found is not None and not found.area.path.startswith(incident.district.path):
            raise ValidationFailed(_("Depot %(code)s is not in the incident's district.",
                                     code=depot), field="depot")
        rule = policy(session, incident)
        if rule.released_all or (found is not None and found.id in rule.released):
            raise Conflict(_("That reserve is already released for %(code)s.", code=code),
                           field="depot")
        row = ReserveRelease(incident_id=incident.id, depot_id=found.id if found else None,
                             reason=text, released_by=actor().label)
        session.add(row)
        session.flush()
        return row
