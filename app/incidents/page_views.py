"""What the incident pages show, built from the services' plain data: the area picker, the
areas a declare form names, the trimmed needs table, shipment groups and dispatch rows."""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from flask import request
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.areas.models import Area
from app.core.actor import Principal
from app.core.errors import ValidationFailed
from app.core.i18n import lang
from app.core.vocabulary import AreaLevel
from app.incidents import services as incident_svc
from app.incidents.enums import DISPATCH_MOVES, OPEN_STATUSES, DispatchStatus
from app.incidents.models import (
    AllocationPlan,
    Dispatch,
    Incident,
    PlanLoad,
    PlanLoadLine,
    PlanShipment,
)
from app.incidents.services import AreaInput
from app.incidents.views import dispatch_dict, load_dict, loads_by_order
from app.resources.models import MobilisationLevel
from app.stock.models import Depot

NEEDS_SHOWN = 36  # needs rows shown before "show all": three grids of twelve items
SHORT_SHOWN = 200  # rows with a shortfall always come first, up to this many
GROUPS_SHOWN = 30  # depot → area shipment groups shown before "show all"
_SPLIT = re.compile(r"[\n\r,;，；、]+")


def levels_of(session: Session, district_id: int) -> dict[int, MobilisationLevel]:
    """The district's response levels by number (names and colours)."""
    rows = session.scalars(select(MobilisationLevel).where(
        MobilisationLevel.district_id == district_id))
    return {row.level: row for row in rows}


def level_choices(levels: dict[int, MobilisationLevel], lang: str) -> list[tuple[int, str]]:
    return [(n, f"{lv.name_zh} · {lv.severity_zh}" if lang == "zh"
             else f"{lv.name_en} · {lv.severity_en}") for n, lv in sorted(levels.items())]


def picker(session: Session, prefix: str) -> list[dict[str, Any]]:
    """Streets → communities → grids under the user's area, for ticking affected areas."""
    rows = session.scalars(select(Area).where(
        Area.path.startswith(prefix),
        Area.level.in_([AreaLevel.COMMUNITY, AreaLevel.GRID])).order_by(Area.code)).all()
    grids: dict[int, list[Area]] = defaultdict(list)
    for area in rows:
        if area.level is AreaLevel.GRID and area.parent_id is not None:
            grids[area.parent_id].append(area)
    streets: dict[int | None, dict[str, Any]] = {}
    for area in rows:
        if area.level is AreaLevel.COMMUNITY:
            street = streets.setdefault(area.parent_id, {"street": area.parent,
                                                         "communities": []})
            street["communities"].append({"area": area, "grids": grids.get(area.id, [])})
    return list(streets.values())


def _count(raw: str | None, code: str) -> int | None:
    text = (raw or "").strip().replace(",", "")
    if not text:
        return None
    if not text.isdigit():
        raise ValidationFailed(_("Area %(code)s: people are counted in whole numbers.",
                                 code=code), field="areas")
    return int(text)


def chosen_areas(session: Session, typed: str) -> list[AreaInput]:
    """Grids ticked in the picker, whole communities ticked or typed (all their grids), and
    codes typed with optional affected / displaced counts (typed counts win)."""
    form = request.form
    chosen: dict[str, AreaInput] = {}
    for code in form.getlist("pick"):
        chosen[code] = AreaInput(code, _count(form.get(f"affected-{code}"), code),
                                 _count(form.get(f"displaced-{code}"), code))
    whole = list(form.getlist("community"))
    for chunk in _SPLIT.split(typed or ""):
        parts = chunk.split()
        if not parts:
            continue
        code = parts[0].upper()
        if len(parts) > 3:
            raise ValidationFailed(_("'%(text)s': give a code, then at most the affected and "
                                     "the displaced people.", text=chunk.strip()),
                                   field="areas")
        numbers = [_count(n, code) for n in parts[1:]]
        if numbers:
            chosen[code] = AreaInput(code, *numbers)
        else:
            whole.append(code)
    for code in incident_svc.expand_communities(session, whole):
        chosen.setdefault(code, AreaInput(code))
    return list(chosen.values())  # the service refuses a community with one of its grids


def dispatch_rows(session: Session, incident: Incident, me: Principal,
                  may_write: bool) -> list[dict[str, Any]]:
    """The incident's dispatch orders this user sees (delivering into or leaving from their
    areas), each saying whether they may close it."""
    rows = session.scalars(select(Dispatch).where(Dispatch.incident_id == incident.id).options(
        selectinload(Dispatch.plan), selectinload(Dispatch.depot).selectinload(Depot.area),
        selectinload(Dispatch.area).selectinload(Area.parent),
        selectinload(Dispatch.shipments).selectinload(PlanShipment.item),
        selectinload(Dispatch.shipments).selectinload(PlanShipment.lot),
        selectinload(Dispatch.point), selectinload(Dispatch.receipt),
        selectinload(Dispatch.plan).selectinload(AllocationPlan.loads)
        .selectinload(PlanLoad.lines).selectinload(PlanLoadLine.item),
        selectinload(Dispatch.plan).selectinload(AllocationPlan.loads)
        .selectinload(PlanLoad.lines).selectinload(PlanLoadLine.area),
        selectinload(Dispatch.plan).selectinload(AllocationPlan.loads)
        .selectinload(PlanLoad.vehicle),
        selectinload(Dispatch.plan).selectinload(AllocationPlan.loads)
        .selectinload(PlanLoad.depot)).order_by(Dispatch.id)).all()
    by_plan: dict[int, dict[tuple[str, str], list[dict[str, Any]]]] = {}
    for d in rows:  # each plan's loads indexed once, not once per order
        if d.plan_id not in by_plan:
            by_plan[d.plan_id] = loads_by_order(load_dict(ld) for ld in d.plan.loads)
    return [{**dispatch_dict(d, by_plan[d.plan_id]), "plan": d.plan.number,
             "needed_by": d.plan.delivery_date.date(), "community": d.area.unit().code,
             "community_name": d.area.unit().name(lang()),
             "units": sum(s.quantity for s in d.shipments),
             "kg": round(sum(s.quantity * s.item.weight_kg for s in d.shipments), 1),
             **_may(d, me, may_write)} for d in rows
            if me.covers(d.area.path) or me.covers(d.depot.area.path)]


def _may(d: Dispatch, me: Principal, may_write: bool) -> dict[str, bool]:
    """The moves this user may make on an order (DISPATCH_MOVES, within their scope)."""
    mine = may_write and (me.covers(d.area.path) or me.covers(d.depot.area.path))
    moves = DISPATCH_MOVES[d.status] if mine else ()
    return {"may_close": DispatchStatus.DELIVERED in moves,
            "may_dispatch": DispatchStatus.DISPATCHED in moves,
            "may_cancel": DispatchStatus.CANCELLED in moves and d.issued_at is None}


def dispatch_counts(session: Session, incident: Incident) -> dict[str, int]:
    """How many dispatch orders the incident has, and how many are still to deliver."""
    counts = dict(session.execute(
        select(Dispatch.status, func.count(Dispatch.id))
        .where(Dispatch.incident_id == incident.id).group_by(Dispatch.status)).all())
    return {"total": sum(counts.values()),
            "open": sum(counts.get(status, 0) for status in OPEN_STATUSES)}


def needs_table(needs: list[dict[str, Any]], area: str | None, show_all: bool,
                item: str | None = None, sort: str | None = None,
                short_only: bool = False) -> dict[str, Any]:
    """The ICS-215 rows of one area and item (or all), sorted by shortfall (largest first),
    area or item; without `show_all`, the rows short first, then a few others."""
    rows = [r for r in needs if (not area or r["area"] == area)
            and (not item or r["item"] == item)]
    short = [r for r in rows if r["shortfall"]]
    sort = sort if sort in ("shortfall", "area", "item") else "shortfall"
    if show_all:
        shown = short if short_only else rows
        if sort == "shortfall":
            shown = sorted(shown, key=lambda r: (-r["shortfall"], r["area"], r["item"]))
        elif sort == "item":
            shown = sorted(shown, key=lambda r: (r["item_name"], r["area"]))
    else:
        rest = [r for r in rows if not r["shortfall"]]
        shown = (short + rest)[:max(NEEDS_SHOWN, min(len(short), SHORT_SHOWN))]
    return {"rows": shown, "total": len(rows), "short": len(short), "all": show_all,
            "area": area, "item": item, "sort": sort, "short_only": short_only,
            "area_choices": sorted({r["area"] for r in needs}),
            "item_choices": sorted({(r["item"], r["item_name"]) for r in needs},
                                   key=lambda x: x[1])}


def shipment_groups(shipments: list[dict[str, Any]],
                    plan: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Shipments by depot → receiving area (one dispatch order each once confirmed), with the
    point it goes to (address, who signs) and the depot's vehicle loads that carry it."""
    points = (plan or {}).get("points", {})
    loads = loads_by_order((plan or {}).get("loads", []))
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for s in shipments:
        group = groups.setdefault((s["depot"], s["area"]), {
            "depot": s["depot"], "area": s["area"], "km": s["km"], "dispatch": s["dispatch"],
            "point": (points.get(s["area"]) or {}).get("point"),
            "members": (points.get(s["area"]) or {}).get("members", []),
            "loads": loads.get((s["depot"], s["area"]), []),
            "lines": []})
        group["lines"].append(s)
    return [groups[key] for key in sorted(groups)]


def distribution_lists(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Per receiving point serving more than one area: what each area gets of each item
    (vulnerable residents first, in proportion to need), from the plan's needs rows."""
    rows_by_area: dict[str, list[dict[str, Any]]] = {}
    for row in plan["needs"]:
        rows_by_area.setdefault(row["area"], []).append(row)
    out = []
    for code, node in sorted(plan.get("points", {}).items()):
        if len(node["members"]) < 2:
            continue
        rows = [{"area": a, "item_name": r["item_name"], "unit": r["unit"],
                 "units": r["committed"] + r["planned"], "priority": r["priority_planned"],
                 "required": r["required"]}
                for a in node["members"] for r in rows_by_area.get(a, [])]
        out.append({"area": code, "point": node.get("point"), "members": node["members"],
                    "rows": rows})
    return out


def since(started: datetime, now: datetime) -> str:
    """"3 h 20 min since it was declared" — how long the response has run."""
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    minutes = max(int((now - started).total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)s d %(h)s h since it was declared", d=days, h=hours)
    if hours:
        return _("%(h)s h %(m)s min since it was declared", h=hours, m=mins)
    return _("%(m)s min since it was declared", m=mins)
