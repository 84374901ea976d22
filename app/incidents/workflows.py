"""Use cases that span an incident and its allocation plans, the same for every door.

Declaring makes the first plan; a change of level or of the affected areas re-plans at once,
keeping the route rules (pinned and forbidden depot → area routes) of the newest plan that
still apply. The API, the pages and the CLI call these, never the steps one by one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.incidents import reserves
from app.incidents import services as incidents
from app.incidents.allocation import services as allocation
from app.incidents.models import AllocationPlan
from app.incidents.services import AreaInput

ROUTE_KINDS = ("pinned", "forbidden")


@dataclass(frozen=True)
class Outcome:
    """What a change did: the incident, the new plan's number, or why no plan could be made
    (the change itself stands; each door says so in its own way)."""

    code: str
    plan: int | None = None
    error: DomainError | None = None

    def raise_error(self) -> Outcome:
        """For the API and the CLI: a plan that could not be made is the answer's error."""
        if self.error is not None:
            raise self.error
        return self


def _planned(session: Session, code: str, pins: dict[str, Any] | None = None) -> Outcome:
    try:
        return Outcome(code, replan(session, code, pins))
    except DomainError as exc:
        return Outcome(code, None, exc)


def declare(session: Session, *, plan: bool = True, areas: list[AreaInput],
            **fields: Any) -> Outcome:
    """Declare an incident (see `incidents.declare`) and, unless told not to, make its first
    plan."""
    code = incidents.declare(session, areas=areas, **fields)
    return _planned(session, code) if plan else Outcome(code)


def route_rules(session: Session, code: str) -> dict[str, list[dict[str, str]]]:
    """The route rules of the incident's newest plan (none before the first plan)."""
    found = incidents.load(session, code)
    routes = session.scalar(select(AllocationPlan.routes)  # not found.plans: kept fresh
                            .where(AllocationPlan.incident_id == found.id)
                            .order_by(AllocationPlan.number.desc()).limit(1)) or {}
    return {kind: [dict(r) for r in routes.get(kind, [])] for kind in ROUTE_KINDS}


def replan(session: Session, code: str, pins: dict[str, Any] | None = None) -> int:
    """A new plan for what is still outstanding: with the route rules given, else with the
    newest plan's rules for the areas still affected. Returns the plan's number."""
    if pins is None:
        areas = {ia.area.code for ia in incidents.load(session, code).areas}
        pins = {kind: [r for r in rules if r["area"] in areas]
                for kind, rules in route_rules(session, code).items()}
    return allocation.make_plan(session, code, pins=pins)


def change_level(session: Session, code: str, level: int) -> Outcome:
    """Raise or lower the response level (teams and the checklist follow), then re-plan
    keeping the route rules."""
    incidents.change_level(session, code, level)
    return _planned(session, code)


def change_areas(session: Session, code: str, areas: list[AreaInput]) -> Outcome:
    """Replace the affected areas (teams follow them), then re-plan keeping the route rules
    of the areas still affected."""
    incidents.set_areas(session, code, areas)
    return _planned(session, code)


def set_route(session: Session, code: str, kind: str, depot: str, area: str) -> int:
    """Pin or forbid one depot → area route (a route is one or the other), and re-plan."""
    rules, route = route_rules(session, code), {"depot": depot, "area": area}
    rules = {k: [r for r in v if r != route] for k, v in rules.items()}
    rules[kind].append(route)
    return replan(session, code, rules)


def release_reserve(session: Session, code: str, depot: str | None, reason: str) -> Outcome:
    """Release the protected reserve of one depot (None: of every depot) for the incident,
    then re-plan keeping the route rules: the new plan may use it."""
    reserves.release(session, code, depot, reason)
    return _planned(session, code)


def remove_route(session: Session, code: str, depot: str, area: str) -> int:
    """Drop one route rule, and re-plan."""
    route = {"depot": depot, "area": area}
    rules = {k: [r for r in v if r != route] for k, v in route_rules(session, code).items()}
    return replan(session, code, rules)
