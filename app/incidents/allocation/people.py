"""Evacuees to shelters and mobilised teams to areas: problems built from plan inputs."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from app.incidents.allocation.inputs import Inputs, time_limit
from app.incidents.enums import MobilisationStatus
from app.incidents.services import assumptions
from app.resources.enums import TeamKind
from optimizer import shelters as shelter_opt
from optimizer import teams as team_opt
from optimizer.geo import great_circle_matrix

if TYPE_CHECKING:
    from app.incidents.allocation.solve import Solved

FIELD_KINDS = (TeamKind.RESCUE, TeamKind.VOLUNTEER)  # command teams run the command post


def shelters(inputs: Inputs, out: Solved) -> None:
    """Place the displaced people not yet placed by an earlier confirmed plan."""
    areas = []
    for ia in inputs.areas:
        people, access = inputs.placed.get(ia.area_id, (0, 0))
        left = max(ia.displaced - people, 0)
        areas.append(shelter_opt.EvacuationArea(ia.area.code, ia.area.lat, ia.area.lon, left,
                                                min(max(ia.need_access - access, 0), left)))
    sites = [shelter_opt.Shelter(s["code"], s["lat"], s["lon"], s["free"], s["accessible"])
             for s in inputs.shelters]
    reach = inputs.incident.shelter_distance_km
    plan = shelter_opt.solve(shelter_opt.ShelterProblem(areas, sites, reach),
                             shelter_opt.ShelterParams(
                                 time_limit_s=time_limit(), workers=os.cpu_count() or 1,
                                 consolidate_time_s=float(
                                     assumptions()["solver"]["consolidate_time_s"])))
    out.statuses["shelters"] = plan.status
    area_ids = {ia.area.code: ia.area_id for ia in inputs.areas}
    shelter_ids = {s["code"]: s["id"] for s in inputs.shelters}
    out.placements = [{"area_id": area_ids[p.area], "shelter_id": shelter_ids[p.shelter],
                       "people": p.people, "need_access": p.need_access, "km": p.km}
                      for p in plan.assignments]
    out.explanations["unplaced"] = _why_unplaced(plan.unplaced, inputs, reach)
    out.explanations["access_elsewhere"] = [
        {"area": a.area, "people": a.people} for a in plan.access_shortfall]
    out.summary["shelters"] = {
        "evacuees": sum(a.evacuees for a in areas), "placed": plan.placed,
        "need_access": sum(a.need_access for a in areas), "access_placed": plan.access_placed,
        "unplaced": sum(u.people for u in plan.unplaced), "person_km": plan.person_km,
        "consolidation": plan.consolidation, "solve_seconds": plan.solve_seconds}


def _why_unplaced(rows: list[Any], inputs: Inputs, reach: float) -> list[dict[str, Any]]:
    """Per unplaced area: shelters in reach are full, or there are none; the nearest with room."""
    areas = {ia.area.code: ia.area for ia in inputs.areas}
    sites = [s for s in inputs.shelters if s["lat"] is not None and s["lon"] is not None]
    out = []
    for row in rows:
        area = areas[row.area]
        base = {"area": row.area, "people": row.people, "need_access": row.need_access,
                "reach_km": reach, "shelters_in_reach": 0, "nearest_free": None}
        if area.lat is None or area.lon is None or not sites:
            out.append({**base, "code": "no_location" if area.lat is None else "none_in_reach"})
            continue
        km = great_circle_matrix([area.lat], [area.lon], [s["lat"] for s in sites],
                                 [s["lon"] for s in sites])[0]
        room = [(float(k), s["code"]) for k, s in zip(km, sites, strict=True)
                if s["free"] > 0 and k > reach]
        near = int((km <= reach).sum())
        nearest = min(room) if room else None
        out.append({**base, "code": "full" if near else "none_in_reach",
                    "shelters_in_reach": near,
                    "nearest_free": {"shelter": nearest[1], "km": round(nearest[0], 2)}
                    if nearest else None})
    return out


def teams(inputs: Inputs, out: Solved) -> None:
    """Send the called-out field teams to the affected areas, most vulnerable first."""
    incident = inputs.incident
    rules = _field_rules(inputs)
    teams_by_id = {m.team_id: m.team for m in incident.mobilisations}
    present: dict[int, set[tuple[str, str]]] = {}  # area id -> (kind, speciality) assigned
    for team_id, area_id in inputs.assigned:
        team = teams_by_id.get(team_id)
        if team is not None:
            present.setdefault(area_id, set()).add((team.kind.value, team.speciality.value))
    called = [m.team for m in incident.mobilisations
              if m.status is MobilisationStatus.CALLED and m.team_id not in inputs.busy_teams]
    pool = [team_opt.Team(t.code, t.kind.value, t.speciality.value, t.base_lat, t.base_lon,
                          inputs.members.get(t.id, 0)) for t in called if t.kind in FIELD_KINDS]
    requirements = []
    for ia in inputs.areas:
        have = present.get(ia.area_id, set())
        for kind, speciality in rules:
            if any(k == kind and speciality in (None, s) for k, s in have):
                continue
            requirements.append(team_opt.TeamRequirement(
                ia.area.code, ia.area.lat, ia.area.lon, kind, speciality, 1,
                float(max(ia.vulnerable, 1))))
    speed = float(assumptions()["distances"]["team_speed_kmh"])
    plan = team_opt.solve(team_opt.TeamProblem(pool, requirements, speed_kmh=speed,
                                               max_distance_km=incident.max_distance_km),
                          team_opt.TeamParams(time_limit_s=time_limit()))
    out.statuses["teams"] = plan.status
    team_ids = {t.code: t.id for t in called}
    area_ids = {ia.area.code: ia.area_id for ia in inputs.areas}
    out.assignments = [{"team_id": team_ids[a.team], "area_id": area_ids[a.area], "km": a.km,
                        "minutes": a.minutes} for a in plan.assignments]
    busy = [m.team for m in incident.mobilisations
            if m.status is MobilisationStatus.CALLED and m.team_id in inputs.busy_teams]
    out.explanations["unfilled"] = [
        {"area": u.area, "kind": u.kind, "speciality": u.speciality, "missing": u.missing,
         **_why_unfilled(u, pool, busy, plan, inputs)} for u in plan.unfilled]
    out.explanations["standby"] = _why_standby(inputs, plan, requirements, speed)
    out.summary["teams"] = {"called": len(called), "field_teams": len(pool),
                            "standby": len(out.explanations["standby"]),
                            "assigned": len(plan.assignments),
                            "unfilled": sum(u.missing for u in plan.unfilled),
                            "minutes": plan.total_minutes, "solve_seconds": plan.solve_seconds}


def _matches(kind: str, speciality: str | None, team_kind: str, team_speciality: str) -> bool:
    return team_kind == kind and speciality in (None, team_speciality)


def _why_unfilled(need: team_opt.Unfilled, pool: list[team_opt.Team], busy: list[Any],
                  plan: team_opt.TeamPlan, inputs: Inputs) -> dict[str, Any]:
    """Why a team need of an area is not filled, as data (views.explain_unfilled words it):
    no called team of that kind, every one beyond reach, every one in reach sent elsewhere,
    or held by another incident."""
    fit = [t for t in pool if _matches(need.kind, need.speciality, t.kind, t.speciality)]
    held = sum(1 for t in busy if _matches(need.kind, need.speciality, t.kind.value,
                                           t.speciality.value))
    area = next(ia.area for ia in inputs.areas if ia.area.code == need.area)
    reach = inputs.incident.max_distance_km
    if not fit:
        return {"code": "busy_elsewhere" if held else "none_called", "held": held}
    placed = [t for t in fit if t.lat is not None and t.lon is not None]
    if area.lat is None or area.lon is None or not placed:
        return {"code": "no_location", "held": held}
    km = great_circle_matrix([area.lat], [area.lon], [t.lat for t in placed],
                             [t.lon for t in placed])[0]
    near = [t for t, k in zip(placed, km, strict=True) if k <= reach]
    if not near:
        return {"code": "none_in_reach", "nearest_km": round(float(km.min()), 1),
                "reach_km": reach, "held": held}
    sent = {a.team for a in plan.assignments}
    return {"code": "all_assigned", "in_reach": len(near),
            "assigned_elsewhere": sum(1 for t in near if t.code in sent), "held": held}


def _why_standby(inputs: Inputs, plan: team_opt.TeamPlan,
                 requirements: list[team_opt.TeamRequirement], speed: float
                 ) -> list[dict[str, Any]]:
    """Every called team this plan does not send, and why it stands by: it runs the command
    post, another incident holds it, an earlier plan of this one already sent it, nothing the
    level needs is of its kind, every such need is beyond its reach, or the needs in reach are
    filled by nearer teams (it is the relief)."""
    sent = {a.team for a in plan.assignments}
    earlier = {t for t, _ in inputs.assigned}
    reach = inputs.incident.max_distance_km
    out = []
    for m in inputs.incident.mobilisations:
        team = m.team
        if m.status is not MobilisationStatus.CALLED or team.code in sent:
            continue
        row: dict[str, Any] = {"team": team.code, "kind": team.kind.value,
                               "speciality": team.speciality.value}
        if team.kind not in FIELD_KINDS:
            row["code"] = "command_post"
        elif m.team_id in inputs.busy_teams:
            row["code"] = "assigned_earlier" if m.team_id in earlier else "held"
        else:
            fit = [r for r in requirements
                   if _matches(r.kind, r.speciality, team.kind.value, team.speciality.value)]
            placed = [r for r in fit if r.lat is not None and r.lon is not None]
            if not fit:
                row["code"] = "no_need"
            elif team.base_lat is None or team.base_lon is None or not placed:
                row["code"] = "no_location"
            else:
                km = great_circle_matrix([team.base_lat], [team.base_lon],
                                         [r.lat for r in placed], [r.lon for r in placed])[0]
                nearest = float(km.min())
                row.update(nearest_km=round(nearest, 1), reach_km=reach,
                           minutes=round(nearest / speed * 60, 0) if speed else None)
                row["code"] = "beyond_reach" if nearest > reach else "relief"
        out.append(row)
    return out


def _field_rules(inputs: Inputs) -> list[tuple[str, str | None]]:
    """(kind, speciality) pairs the incident's level calls for in each affected area."""
    field_kinds = {k.value for k in FIELD_KINDS}
    return sorted({r for r in inputs.level_rules if r[0] in field_kinds},
                  key=lambda r: (r[0], r[1] or ""))
