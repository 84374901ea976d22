"""The plan's map from its own few queries: the affected areas by coverage, the depots, receiving
points and shelters the plan uses, one line per vehicle trip and one per evacuation, and the
legend of what it draws."""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import Float, cast, func, select
from sqlalchemy.orm import Session, aliased

from app.areas.models import Area
from app.core import mapsvg
from app.incidents.models import (
    AllocationPlan,
    Incident,
    IncidentArea,
    PlanLine,
    PlanLoad,
    PlanLoadLine,
    PlanPlacement,
)
from app.resources.enums import PointKind
from app.resources.models import ReceivingPoint, Shelter
from app.stock.models import Depot, Vehicle

LatLon = tuple[float | None, float | None]
LABEL_SIZES = (12.0, 20.0)  # desktop, then phone (a 640-unit map shrinks to about 340 px)


@dataclass
class Trip:
    depot_id: int
    number: int
    kg: float
    plate: str | None
    stops: list[int] = field(default_factory=list)  # receiving area ids, in visiting order


def map_of(session: Session, plan: AllocationPlan, incident: Incident, lang: str) -> str:
    """The plan's map (SVG) and its legend (HTML), in `lang` (empty when nothing has a place)."""
    affected = _affected(session, incident, plan, lang)
    trips = _trips(session, plan)
    depots = {d.id: d for d in session.scalars(select(Depot).where(
        Depot.id.in_({t.depot_id for t in trips})))} if trips else {}
    stop_ids = {a for t in trips for a in t.stops}
    places = _receiving(session, stop_ids, affected)
    for trip in trips:
        _order_stops(trip, depots[trip.depot_id], places)
    placements, shelters = _placements(session, plan)
    points = _area_points(affected) + _depot_points(depots, trips, lang)
    points += _place_points(places, affected)
    points += _shelter_points(shelters, placements, lang)
    # translated once, filled per trip (a whole district has hundreds)
    words = (_("Trip %(depot)s-%(n)s: %(vehicle)s, %(kg)s kg, stops %(stops)s"), _("no vehicle"))
    links = [_trip_link(t, depots[t.depot_id], places, words) for t in trips]
    links += _evacuations(placements, affected, shelters)
    focus = [(a["lat"], a["lon"]) for a in affected.values()]
    focus += [places[a]["at"] for a in stop_ids if a in places]
    svg = mapsvg.render(points, links=links, focus=focus, area_size=14,
                        label_kinds=("area", "depot", "shelter"), label_sizes=LABEL_SIZES)
    if not svg:
        return ""  # no place on it has coordinates: no map and no key
    used = {p.kind for p in points} | {ln.kind for ln in links} | (
        {"offmap"} if "offmap" in svg else set())
    return svg + render_template("_map_legend.html", used=used,
                                 colours={p.colour for p in points if p.kind == "area"})


def _placements(session: Session, plan: AllocationPlan) -> tuple[list[Any], dict[int, Shelter]]:
    """People per (area, shelter) the plan places, and those shelters."""
    placements = list(session.execute(
        select(PlanPlacement.area_id, PlanPlacement.shelter_id, func.sum(PlanPlacement.people))
        .where(PlanPlacement.plan_id == plan.id)
        .group_by(PlanPlacement.area_id, PlanPlacement.shelter_id)
        .order_by(PlanPlacement.area_id, PlanPlacement.shelter_id)).all())
    shelters = {s.id: s for s in session.scalars(select(Shelter).where(
        Shelter.id.in_({p[1] for p in placements})))} if placements else {}
    return placements, shelters


def _evacuations(placements: list[Any], affected: dict[int, dict[str, Any]],
                 shelters: dict[int, Shelter]) -> list[mapsvg.Link]:
    """One line per area and shelter, thick by people."""
    moves = _("%(area)s → %(shelter)s: %(n)s people")  # translated once
    return [mapsvg.Link((affected[a]["lat"], affected[a]["lon"]),
                        (shelters[s].lat, shelters[s].lon), "shelter", people,
                        moves % {"area": affected[a]["code"], "shelter": shelters[s].code,
                                 "n": f"{people:,}"})
            for a, s, people in placements if a in affected]


def _affected(session: Session, incident: Incident, plan: AllocationPlan,
              lang: str) -> dict[int, dict[str, Any]]:
    """The affected areas with their people and worst coverage (one aggregate over the lines)."""
    worst = dict(session.execute(
        select(PlanLine.area_id, func.min(cast(PlanLine.committed + PlanLine.planned, Float)
                                          / PlanLine.required))
        .where(PlanLine.plan_id == plan.id, PlanLine.required > 0)
        .group_by(PlanLine.area_id)).all())
    rows = session.execute(
        select(Area.id, Area.code, Area.name_zh, Area.name_en, Area.lat, Area.lon,
               IncidentArea.affected)
        .join(IncidentArea, IncidentArea.area_id == Area.id)
        .where(IncidentArea.incident_id == incident.id).order_by(IncidentArea.id)).all()
    zh = lang.startswith("zh")
    return {r.id: {"code": r.code, "name": r.name_zh if zh or not r.name_en else r.name_en,
                   "lat": r.lat, "lon": r.lon, "affected": r.affected,
                   "cover": None if worst.get(r.id) is None else min(worst[r.id], 1.0)}
            for r in rows}


def _trips(session: Session, plan: AllocationPlan) -> list[Trip]:
    """The plan's vehicle loads, each with its receiving areas."""
    trips = {r.id: Trip(r.depot_id, r.number, r.weight_kg, r.plate) for r in session.execute(
        select(PlanLoad.id, PlanLoad.depot_id, PlanLoad.number, PlanLoad.weight_kg,
               Vehicle.plate).outerjoin(Vehicle, Vehicle.id == PlanLoad.vehicle_id)
        .where(PlanLoad.plan_id == plan.id).order_by(PlanLoad.id))}
    for load_id, area_id in session.execute(
            select(PlanLoadLine.load_id, PlanLoadLine.area_id).distinct()
            .join(PlanLoad, PlanLoad.id == PlanLoadLine.load_id)
            .where(PlanLoad.plan_id == plan.id)
            .order_by(PlanLoadLine.load_id, PlanLoadLine.area_id)):
        trips[load_id].stops.append(area_id)
    return list(trips.values())


def _receiving(session: Session, area_ids: set[int],
               affected: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Where each receiving area takes delivery: its point (its own place, else its depot's or
    shelter's), else the area's centre."""
    if not area_ids:
        return {}
    at_depot, at_shelter = aliased(Depot), aliased(Shelter)
    out: dict[int, dict[str, Any]] = {}
    for r in session.execute(
            select(Area.id, Area.code, Area.lat, Area.lon, ReceivingPoint.code.label("point"),
                   ReceivingPoint.kind, ReceivingPoint.address, ReceivingPoint.lat.label("plat"),
                   ReceivingPoint.lon.label("plon"), at_depot.lat.label("dlat"),
                   at_depot.lon.label("dlon"), at_depot.address.label("daddr"),
                   at_shelter.lat.label("slat"), at_shelter.lon.label("slon"),
                   at_shelter.address.label("saddr"))
            .outerjoin(ReceivingPoint, ReceivingPoint.area_id == Area.id)
            .outerjoin(at_depot, at_depot.id == ReceivingPoint.depot_id)
            .outerjoin(at_shelter, at_shelter.id == ReceivingPoint.shelter_id)
            .where(Area.id.in_(area_ids))):
        out[r.id] = {"code": r.code, "point": r.point, "at": _where(r),
                     "address": r.address or (r.daddr if r.kind is PointKind.DEPOT else (
                         r.saddr if r.kind is PointKind.SHELTER else "")) or ""}
    return out


def _where(r: Any) -> LatLon:
    """A receiving point's location, as `ReceivingPoint.location` finds it."""
    if r.point is None:
        return r.lat, r.lon
    for lat, lon in ((r.plat, r.plon), (r.dlat, r.dlon) if r.kind is PointKind.DEPOT else
                     (None, None), (r.slat, r.slon) if r.kind is PointKind.SHELTER
                     else (None, None)):
        if lat is not None and lon is not None:
            return lat, lon
    return r.lat, r.lon


def _order_stops(trip: Trip, depot: Depot, places: dict[int, dict[str, Any]]) -> None:
    """Visit the stops nearest first from the depot (the drawn line follows them)."""
    here: LatLon = (depot.lat, depot.lon)
    todo, route = list(trip.stops), []
    while todo:
        nxt = min(todo, key=lambda a: (_km(here, places[a]["at"]), a))
        todo.remove(nxt)
        route.append(nxt)
        here = places[nxt]["at"]
    trip.stops = route


def _km(a: LatLon, b: LatLon) -> float:
    if None in (*a, *b):
        return math.inf
    k = math.cos(math.radians(a[0]))  # type: ignore[arg-type]
    return math.hypot((a[0] - b[0]), (a[1] - b[1]) * k)  # type: ignore[operator]


def _area_points(affected: dict[int, dict[str, Any]]) -> list[mapsvg.Point]:
    """Circles sized by people, coloured by the worst-covered item; the worst labelled first."""
    says = _("%(code)s %(name)s: %(n)s affected, %(pct)s covered")  # translated once
    return [mapsvg.Point(
        a["lat"], a["lon"], a["name"], "area", mapsvg.coverage_colour(a["cover"]), a["affected"],
        title=says % {"code": a["code"], "name": a["name"], "n": f"{a['affected']:,}",
                      "pct": _percent(a["cover"])},
        rank=1.5 if a["cover"] is None else a["cover"]) for a in affected.values()]


def _depot_points(depots: dict[int, Depot], trips: list[Trip],
                  lang: str) -> list[mapsvg.Point]:
    """The plan's depots, the most loaded labelled first."""
    kg: dict[int, float] = defaultdict(float)
    runs: dict[int, int] = defaultdict(int)
    for t in trips:
        kg[t.depot_id] += t.kg
        runs[t.depot_id] += 1
    top = max(kg.values(), default=1.0) or 1.0
    says = _("%(code)s %(name)s: %(trips)s trips, %(kg)s kg")
    return [mapsvg.Point(d.lat, d.lon, d.code, "depot", title=says % {
        "code": d.code, "name": d.name(lang), "trips": runs[i], "kg": f"{kg[i]:,.0f}"},
        rank=3 - kg[i] / top)
        for i, d in sorted(depots.items(), key=lambda kv: kv[1].code)]


def _place_points(places: dict[int, dict[str, Any]],
                  affected: dict[int, dict[str, Any]]) -> list[mapsvg.Point]:
    """Receiving points (an affected area without one receives at its circle: no marker)."""
    says = _("Receiving point %(point)s for %(area)s: %(address)s")
    return [mapsvg.Point(p["at"][0], p["at"][1], p["point"] or p["code"], "point", title=says % {
        "point": p["point"] or "", "area": p["code"], "address": p["address"] or "—"}, rank=5)
        for i, p in sorted(places.items(), key=lambda kv: kv[1]["code"])
        if p["point"] is not None or i not in affected]


def _shelter_points(shelters: dict[int, Shelter], placements: Any,
                    lang: str) -> list[mapsvg.Point]:
    """The shelters the plan fills, the fullest labelled first."""
    people: dict[int, int] = defaultdict(int)
    for _a, s, n in placements:
        people[s] += n
    says = _("%(code)s %(name)s: %(people)s people placed, %(places)s places")
    return [mapsvg.Point(s.lat, s.lon, s.code, "shelter", title=says % {
        "code": s.code, "name": s.name(lang), "people": f"{people[i]:,}",
        "places": f"{s.capacity:,}"}, rank=4 - people[i] / max(s.capacity, 1))
        for i, s in sorted(shelters.items(), key=lambda kv: kv[1].code)]


def _trip_link(trip: Trip, depot: Depot, places: dict[int, dict[str, Any]],
               words: tuple[str, str]) -> mapsvg.Link:
    """One vehicle trip: depot → its stops, thick by kg; dashed when no vehicle is found."""
    stops = [places[a]["at"] for a in trip.stops]
    title = words[0] % {"depot": depot.code, "n": trip.number, "vehicle": trip.plate or words[1],
                        "kg": f"{trip.kg:,.0f}",
                        "stops": " → ".join(places[a]["code"] for a in trip.stops)}
    return mapsvg.Link((depot.lat, depot.lon), stops[-1] if stops else (depot.lat, depot.lon),
                       "trip" if trip.plate else "unvehicled", trip.kg, title,
                       via=tuple(stops[:-1]))


def _percent(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio * 100:.0f}%"
