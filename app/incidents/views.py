"""Incidents and plans as plain data for the API, the pages and printed orders, with every
explanation rendered in the reader's language."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.core.i18n import _, lang
from app.incidents.allocation.services import is_stale
from app.incidents.models import (
    AllocationPlan,
    Dispatch,
    Incident,
    PlanAssignment,
    PlanLine,
    PlanLoad,
    PlanLoadLine,
    PlanPlacement,
    PlanShipment,
)
from app.incidents.receipts import receipt_dict
from app.stock.models import Vehicle


def _name(obj: Any) -> str:
    return obj.name(lang()) if hasattr(obj, "name") else str(obj)


def _num(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def explain_line(reason: dict[str, Any], item: str, planned: int) -> str:
    """"Needs 18,000 L water; 11,200 L in reach within 30 km; depot D07 holds 9,000 L beyond
    reach" — the shortfall of one area and item in words."""
    if not reason:
        return ""
    unit = reason["unit_zh"] if lang() == "zh" else reason["unit_en"]
    parts = [_("needs %(n)s %(unit)s of %(item)s", n=_num(reason["needed"]), unit=unit,
               item=item)]
    if reason["in_reach"]:
        parts.append(_("%(n)s %(unit)s in reach within %(km)s km", n=_num(reason["in_reach"]),
                       unit=unit, km=_num(reason["reach_km"])))
        if reason["sharing"]:
            parts.append(_("shared with %(n)s other affected areas", n=reason["sharing"]))
        parts.append(_("this plan sends %(n)s %(unit)s (%(pct)s %%)", n=_num(planned),
                       unit=unit, pct=round(100 * planned / reason["needed"])))
    else:
        parts.append(_("no depot within %(km)s km has any free (unreserved, unexpired)",
                       km=_num(reason["reach_km"])))
    if reason.get("reserve"):
        parts.append(_("%(n)s %(unit)s in reach kept as protected reserve (a coordinator may "
                       "release it)", n=_num(reason["reserve"]), unit=unit))
    beyond = reason.get("beyond")
    if beyond:
        parts.append(_("depot %(depot)s holds %(n)s %(unit)s beyond reach (%(km)s km)",
                       depot=beyond["depot"], n=_num(beyond["quantity"]), unit=unit,
                       km=f"{beyond['km']:.1f}"))
    return _("; ").join(parts)


def explain_item(shortfall: int, unit: str, in_reach: int, reserve: int,
                 reach_km: float) -> str:
    """"Short by 12,000 L; 8,100 L in reach within 30 km; 2,000 L more kept as protected reserve" —
    an item's shortfall over the whole incident in one sentence ("" when none)."""
    if shortfall <= 0:
        return ""
    parts = [_("short by %(n)s %(unit)s", n=_num(shortfall), unit=unit)]
    if in_reach:
        parts.append(_("%(n)s %(unit)s in reach within %(km)s km", n=_num(in_reach),
                       unit=unit, km=_num(reach_km)))
    else:
        parts.append(_("no depot within %(km)s km has any free (unreserved, unexpired)",
                       km=_num(reach_km)))
    if reserve:
        parts.append(_("%(n)s %(unit)s more kept as protected reserve", n=_num(reserve),
                       unit=unit))
    sentence = _("; ").join(parts)
    return sentence[:1].upper() + sentence[1:]  # a sentence of its own, not a clause


def explain_unfilled(row: dict[str, Any]) -> str:
    """Why a team need of an area is not filled (plans made before the reasons: none)."""
    code = row.get("code")
    held = row.get("held", 0)
    text = {
        None: "",
        "none_called": _("no team of this kind is called out at this level"),
        "busy_elsewhere": _("every team of this kind is held by another incident"),
        "no_location": _("the area or the teams have no map position"),
        "none_in_reach": _("the nearest team of this kind is %(km)s km away, beyond the "
                           "%(reach)s km reach", km=row.get("nearest_km"),
                           reach=_num(row.get("reach_km") or 0)),
        "all_assigned": _("the %(n)s teams of this kind in reach are sent to areas in more "
                          "need", n=row.get("in_reach", 0)),
    }.get(code, "")
    if text and held and code != "busy_elsewhere":
        text += _("; %(n)s more are held by another incident", n=held)
    return text


def explain_standby(row: dict[str, Any]) -> str:
    """Why a called team stands by instead of going to an area."""
    return {
        "command_post": _("staffs the command post"),
        "held": _("held by another incident"),
        "assigned_earlier": _("already sent by an earlier plan of this incident"),
        "no_need": _("nothing this level needs is of its kind"),
        "no_location": _("it or the areas that need it have no map position"),
        "beyond_reach": _("the nearest area needing it is %(km)s km away, beyond the %(reach)s "
                          "km reach", km=row.get("nearest_km"),
                          reach=_num(row.get("reach_km") or 0)),
        "relief": _("the needs in reach (nearest %(km)s km) are met by nearer teams: relief "
                    "crew", km=row.get("nearest_km")),
    }.get(row.get("code") or "", "")


def explain_unplaced(row: dict[str, Any]) -> str:
    """Why evacuees of an area have no shelter place."""
    if row["code"] == "no_location":
        text = _("the area has no map position")
    elif row["code"] == "full":
        text = _("the %(n)s shelters within %(km)s km are full", n=row["shelters_in_reach"],
                 km=_num(row["reach_km"]))
    else:
        text = _("no shelter within %(km)s km", km=_num(row["reach_km"]))
    nearest = row.get("nearest_free")
    if nearest:
        text += _("; nearest with room: %(shelter)s at %(km)s km", shelter=nearest["shelter"],
                  km=f"{nearest['km']:.1f}")
    return text


def incident_dict(incident: Incident) -> dict[str, Any]:
    return {
        "code": incident.code, "title": incident.title, "hazard": incident.hazard.value,
        "hazard_label": incident.hazard.label(lang()), "level": incident.level,
        "status": incident.status.value, "exercise": incident.exercise,
        "district": incident.district.code, "started_at": incident.started_at.isoformat(),
        "duration_days": incident.duration_days, "max_distance_km": incident.max_distance_km,
        "shelter_distance_km": incident.shelter_distance_km, "notes": incident.notes,
        "declared_by": incident.declared_by,
        "areas": [{"area": ia.area.code, "name": _name(ia.area), "affected": ia.affected,
                   "displaced": ia.displaced, "vulnerable": ia.vulnerable,
                   "need_access": ia.need_access, "lat": ia.area.lat, "lon": ia.area.lon}
                  for ia in incident.areas],
        "teams": [{"team": m.team.code, "name": _name(m.team), "kind": m.team.kind.value,
                   "speciality": m.team.speciality.value, "status": m.status.value,
                   "level": m.level, "members": len(m.team.members),
                   "phone": m.team.contact_phone} for m in incident.mobilisations],
        "checklist": [{"id": t.id, "level": t.level,
                       "text": t.text_zh if lang() == "zh" else (t.text_en or t.text_zh),
                       "owner": t.owner, "done": t.done_at is not None, "done_by": t.done_by,
                       "done_at": t.done_at.isoformat() if t.done_at else None}
                      for t in incident.checklist if not t.cancelled],
        "plans": [{"number": p.number, "status": p.status.value} for p in incident.plans],
    }


def plan_head(session: Session, plan: AllocationPlan) -> dict[str, Any]:
    """A plan's own figures and explanations without its rows (the incident's first screen
    shows these; `plan_dict` adds the rows)."""
    return {
        "incident": plan.incident.code, "number": plan.number, "status": plan.status.value,
        "level": plan.level, "stale": plan.status.value == "proposed" and is_stale(session, plan),
        "solver_status": plan.solver_status, "solve_seconds": plan.solve_seconds,
        "delivery_date": plan.delivery_date.date().isoformat(), "routes": plan.routes,
        "summary": plan.summary, "created_by": plan.created_by,
        "created_at": plan.created_at.isoformat(), "confirmed_by": plan.confirmed_by,
        "unplaced": [{**u, "reason": explain_unplaced(u)}
                     for u in plan.explanations.get("unplaced", [])],
        "unfilled": [{**u, "reason": explain_unfilled(u)}
                     for u in plan.explanations.get("unfilled", [])],
        "standby": [{**t, "reason": explain_standby(t)}
                    for t in plan.explanations.get("standby", [])],
        "vehicles_short": [{**v, "reason": explain_vehicles(v)}
                           for v in plan.explanations.get("vehicles", [])],
        "points": {n["area"]: n for n in plan.summary.get("points", [])},
    }


def plan_dict(session: Session, plan: AllocationPlan, explain: bool = True) -> dict[str, Any]:
    """A plan with its ICS-215 lines, shipments, placements, assignments and explanations
    (without `explain`, the lines' reasons stay empty: a page that shows none)."""
    lines = session.scalars(select(PlanLine).where(PlanLine.plan_id == plan.id)
                            .options(selectinload(PlanLine.area), selectinload(PlanLine.item))
                            .order_by(PlanLine.id)).all()
    shipments = session.scalars(
        select(PlanShipment).where(PlanShipment.plan_id == plan.id)
        .options(selectinload(PlanShipment.depot), selectinload(PlanShipment.area),
                 selectinload(PlanShipment.item), selectinload(PlanShipment.lot))
        .order_by(PlanShipment.id)).all()
    # placements and assignments with their shelters and teams in one query each, not one
    # lazy load per row (a plan for a whole street has dozens)
    placements = session.scalars(
        select(PlanPlacement).where(PlanPlacement.plan_id == plan.id)
        .options(selectinload(PlanPlacement.area), selectinload(PlanPlacement.shelter))
        .order_by(PlanPlacement.id)).all()
    assignments = session.scalars(
        select(PlanAssignment).where(PlanAssignment.plan_id == plan.id)
        .options(selectinload(PlanAssignment.team), selectinload(PlanAssignment.area))
        .order_by(PlanAssignment.id)).all()
    loads = session.scalars(
        select(PlanLoad).where(PlanLoad.plan_id == plan.id)
        .options(selectinload(PlanLoad.depot), selectinload(PlanLoad.vehicle),
                 selectinload(PlanLoad.lines).selectinload(PlanLoadLine.area),
                 selectinload(PlanLoad.lines).selectinload(PlanLoadLine.item))
        .order_by(PlanLoad.id)).all()
    dispatch_codes = dict(session.execute(select(Dispatch.id, Dispatch.code)
                                          .where(Dispatch.plan_id == plan.id)).all())
    return {
        **plan_head(session, plan),
        "needs": [{"area": ln.area.code, "area_name": _name(ln.area), "item": ln.item.code,
                   "item_name": _name(ln.item),
                   "unit": ln.item.unit_zh if lang() == "zh" else ln.item.unit_en,
                   "required": ln.required, "priority": ln.priority, "committed": ln.committed,
                   "in_reach": ln.in_reach, "planned": ln.planned,
                   "priority_planned": ln.priority_planned, "shortfall": ln.shortfall,
                   "reason": explain_line(ln.reason, _name(ln.item), ln.planned) if explain
                   else ""} for ln in lines],
        "shipments": [{"depot": s.depot.code, "area": s.area.code, "item": s.item.code,
                       "item_name": _name(s.item), "lot": s.lot.lot_number,
                       "expiry_date": s.lot.expiry_date.isoformat() if s.lot.expiry_date
                       else None, "quantity": s.quantity, "km": s.km,
                       "dispatch": dispatch_codes.get(s.dispatch_id)} for s in shipments],
        "placements": [{"area": p.area.code, "shelter": p.shelter.code,
                        "shelter_name": _name(p.shelter), "people": p.people,
                        "need_access": p.need_access, "km": p.km} for p in placements],
        "assignments": [{"team": a.team.code, "team_name": _name(a.team), "area": a.area.code,
                         "kind": a.team.kind.value, "speciality": a.team.speciality.value,
                         "km": a.km, "minutes": a.minutes} for a in assignments],
        "loads": [load_dict(load) for load in loads],
    }


def vehicle_fields(vehicle: Vehicle | None) -> dict[str, Any]:
    """Who and what carries a load (None: no vehicle of the depot), for orders and sheets."""
    return {"vehicle": vehicle.code if vehicle else None,
            "plate": vehicle.plate if vehicle else None,
            "kind": vehicle.kind.label(lang()) if vehicle else None,
            "driver": f"{vehicle.driver_name} {vehicle.driver_phone}".strip() if vehicle else ""}


def load_dict(load: PlanLoad) -> dict[str, Any]:
    vehicle = load.vehicle
    return {"depot": load.depot.code, "number": load.number, **vehicle_fields(vehicle),
            "payload_kg": vehicle.payload_kg if vehicle else None,
            "volume_cap_m3": vehicle.volume_m3 if vehicle else None,
            "weight_kg": load.weight_kg, "volume_m3": load.volume_m3,
            "lines": [{"area": ln.area.code, "item": ln.item.code, "item_name": _name(ln.item),
                       "quantity": ln.quantity, "kg": round(ln.quantity * ln.item.weight_kg, 1)}
                      for ln in load.lines]}


def loads_by_order(loads: Iterable[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Per order (depot → receiving area): the loads carrying part of it, each with only that
    order's lines and whether the vehicle also carries other orders."""
    out: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for load in loads:
        areas = sorted({ln["area"] for ln in load["lines"]})
        for area in areas:
            lines = [ln for ln in load["lines"] if ln["area"] == area]
            out[(load["depot"], area)].append({
                **load, "lines": lines, "shared": len(areas) > 1,
                "order_kg": round(sum(ln["kg"] for ln in lines), 1)})
    return out


def explain_vehicles(row: dict[str, Any]) -> str:
    """Why a depot's loads need runs beyond its own vehicles."""
    if row.get("code") == "no_vehicles":
        return _("no vehicle is registered at the depot: %(n)s runs of a %(kg)s kg truck are "
                 "needed", n=row["runs_short"], kg=_num(row["run_kg"]))
    return _("its %(v)s vehicles carry %(cap)s kg in one run; the orders weigh %(need)s kg: "
             "%(n)s more runs of its largest (%(kg)s kg)", v=row["vehicles"],
             cap=_num(row["capacity_kg"]), need=_num(row["needed_kg"]), n=row["runs_short"],
             kg=_num(row["run_kg"]))


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment else None


def dispatch_dict(dispatch: Dispatch,
                  loads: dict[tuple[str, str], list[dict[str, Any]]] | None = None
                  ) -> dict[str, Any]:
    """An order; `loads` is its plan's loads_by_order when the caller has it already."""
    if loads is None:
        loads = loads_by_order(load_dict(load) for load in dispatch.plan.loads)
    return {"code": dispatch.code, "incident": dispatch.incident.code,
            "status": dispatch.status.value,
            "status_label": dispatch.status.label(lang()),
            "depot": dispatch.depot.code, "depot_name": _name(dispatch.depot),
            "depot_address": dispatch.depot.address,
            "depot_contact": f"{dispatch.depot.contact_name} {dispatch.depot.contact_phone}",
            "area": dispatch.area.code, "area_name": _name(dispatch.area), "km": dispatch.km,
            "point": dispatch.point.code if dispatch.point else None,
            "deliver_to": dispatch.deliver_to, "contact_name": dispatch.contact_name,
            "contact_phone": dispatch.contact_phone,
            "loads": loads.get((dispatch.depot.code, dispatch.area.code), []),
            "created_at": dispatch.created_at.isoformat(),
            "closed_at": dispatch.closed_at.isoformat() if dispatch.closed_at else None,
            "closed_by": dispatch.closed_by,
            "dispatched_at": _iso(dispatch.dispatched_at), "dispatched_by": dispatch.dispatched_by,
            "issued_at": _iso(dispatch.issued_at), "receipt": receipt_dict(dispatch.receipt),
            "lines": [{"item": s.item.code, "item_name": _name(s.item),
                       "unit": s.item.unit_zh if lang() == "zh" else s.item.unit_en,
                       "lot": s.lot.lot_number,
                       "expiry_date": s.lot.expiry_date.isoformat() if s.lot.expiry_date
                       else None, "quantity": s.quantity} for s in dispatch.shipments]}
