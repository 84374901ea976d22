"""The plan map draws what the plan uses and nothing else: its depots, one line per vehicle trip
(thicker for heavier loads, dashed without a vehicle), its shelters, and a legend for every
colour it uses."""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask_babel import force_locale
from sqlalchemy import select

from app.incidents.models import AllocationPlan, Incident, PlanLoad
from app.incidents.plan_map import map_of
from tests.helpers import stored

AREAS = ["S01-C01", "S01-C02", "S02-C01"]


def _declare(admin: Any) -> str:
    resp = admin("post", "/api/v1/incidents", json={
        "title": "暴雨内涝", "hazard": "flood", "level": 3, "duration_days": 3,
        "areas": [{"area": a, "affected": 2500, "displaced": 300} for a in AREAS]})
    assert resp.status_code == 201, resp.json
    return resp.json["code"]


@contextmanager
def _plan(app: Any, code: str) -> Iterator[tuple[Any, Incident, AllocationPlan]]:
    with stored(app) as session, app.test_request_context("/"):
        incident = session.scalar(select(Incident).where(Incident.code == code))
        yield session, incident, incident.plans[-1]


def _map(session: Any, plan: AllocationPlan, incident: Incident, lang: str) -> str:
    with force_locale(lang):
        return map_of(session, plan, incident, lang)


def _trips(svg: str) -> list[tuple[str, str, float, str]]:
    """(kind, the tag's attributes, stroke width, title) of each trip line."""
    found = re.findall(r'<(?:line|polyline) ([^>]*class="map-link (trip|unvehicled)"[^>]*)>'
                       r"<title>([^<]*)</title>", svg)
    return [(kind, attrs, float(re.search(r'stroke-width="([\d.]+)"', attrs).group(1)),
             title) for attrs, kind, title in found]


def test_the_map_draws_exactly_the_plans_depots_and_one_line_per_trip(app: Any,
                                                                      admin: Any) -> None:
    code = _declare(admin)
    with _plan(app, code) as (session, incident, plan):
        svg = _map(session, plan, incident, "en")
        loads = session.scalars(select(PlanLoad).where(PlanLoad.plan_id == plan.id)).all()
        used = {load.depot.code for load in loads}
        by_trip = {f"{load.depot.code}-{load.number}": load for load in loads}
    assert loads
    drawn = set(re.findall(r'<g class="map-mark depot[^"]*"><title>(\S+) ', svg))
    assert drawn == used
    trips = _trips(svg)
    assert len(trips) == len(loads)
    named = {re.match(r"Trip (\S+):", t).group(1): w for _, _, w, t in trips}
    assert set(named) == set(by_trip)
    widths = sorted((by_trip[k].weight_kg, w) for k, w in named.items())
    assert [w for _, w in widths] == sorted(w for _, w in widths)  # heavier, thicker
    assert widths[0][1] < widths[-1][1] or widths[0][0] == widths[-1][0]
    assert svg.count('class="map-mark area') == len(AREAS)


def test_a_trip_without_a_vehicle_is_dashed_in_the_warning_colour_and_says_so(
        app: Any, admin: Any) -> None:
    code = _declare(admin)
    with _plan(app, code) as (session, incident, plan):
        load = session.scalars(select(PlanLoad).where(PlanLoad.plan_id == plan.id)
                               .order_by(PlanLoad.id)).first()
        load.vehicle_id = None
        session.flush()
        name = f"{load.depot.code}-{load.number}"
        svg = _map(session, plan, incident, "en")
        zh = _map(session, plan, incident, "zh")
    lone = [t for t in _trips(svg) if t[3].startswith(f"Trip {name}:")]
    assert len(lone) == 1
    kind, attrs, _, title = lone[0]
    assert kind == "unvehicled" and "stroke-dasharray" in attrs and "#e65100" in attrs
    assert "no vehicle" in title
    assert all("stroke-dasharray" not in a for k, a, _, _ in _trips(svg) if k == "trip")
    assert 'data-key="unvehicled"' in svg and "trip without a vehicle" in svg
    assert "无车辆的车次" in zh and "车次 " in zh


def test_the_legend_names_every_colour_and_mark_the_map_uses(app: Any, admin: Any) -> None:
    code = _declare(admin)
    with _plan(app, code) as (session, incident, plan):
        svg = _map(session, plan, incident, "en")
    legend = svg[svg.index('<ul class="map-legend">'):]
    areas = set(re.findall(r'<circle cx="[^"]+" cy="[^"]+" r="[^"]+" fill="(#[0-9a-f]{6})"',
                           svg[:svg.index("</svg>")]))
    assert areas and areas <= set(re.findall(r'data-colour="(#[0-9a-f]{6})"', legend))
    for kind in ("depot", "trip"):
        assert f'data-key="{kind}"' in legend
    if 'class="map-mark shelter' in svg:
        assert 'data-key="shelter"' in legend and 'data-key="evacuation"' in legend
    assert "Lines are thicker for heavier loads" in legend
