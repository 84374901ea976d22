"""What the dispatch board shows, from the orders a user sees (page_views.dispatch_rows): the
filters (depot, receiving point, community, status, vehicle), the counts per status and the
totals of what is shown."""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from app.core.i18n import lang
from app.incidents.enums import DispatchStatus

FILTERS = ("depot", "point", "community", "status", "vehicle")
NO_VEHICLE = "none"  # the vehicle filter's value for orders without a vehicle of the depot


def filters_from(args: Mapping[str, str]) -> dict[str, str]:
    """The board's filters from a query string (empty ones dropped)."""
    return {k: v for k in FILTERS if (v := (args.get(k) or "").strip()[:60])}


def vehicles_of(row: dict[str, Any]) -> set[str]:
    """The plates and vehicle codes carrying an order; `none` when a load has no vehicle."""
    found: set[str] = set()
    for load in row["loads"]:
        found |= {load["plate"], load["vehicle"]} if load["vehicle"] else {NO_VEHICLE}
    return found or {NO_VEHICLE}


def matches(row: dict[str, Any], filters: dict[str, str], skip: str = "") -> bool:
    """Whether an order passes every filter (but `skip`)."""
    for key, wanted in filters.items():
        if key == skip:
            continue
        if key == "vehicle":
            if wanted not in vehicles_of(row):
                return False
        elif (row.get(key) or "") != wanted:
            return False
    return True


def choices(rows: list[dict[str, Any]]) -> dict[str, list[tuple[str, str]]]:
    """The values each filter offers: those of the orders the user sees."""
    vehicles = {(ld["plate"], f"{ld['plate']} ({ld['depot']})")
                for r in rows for ld in r["loads"] if ld["vehicle"]}
    return {"depot": sorted({(r["depot"], f"{r['depot']} {r['depot_name']}") for r in rows}),
            "point": sorted({(r["point"], f"{r['point']} {r['deliver_to']}")
                             for r in rows if r["point"]}),
            "community": sorted({(r["community"], f"{r['community']} {r['community_name']}")
                                 for r in rows}),
            "status": [(s.value, s.label(lang())) for s in DispatchStatus],
            "vehicle": sorted(vehicles)}


def board(rows: list[dict[str, Any]], filters: dict[str, str]) -> dict[str, Any]:
    """The orders shown, per-status counts (under the other filters) and the shown totals."""
    shown = [r for r in rows if matches(r, filters)]
    counts = Counter(r["status"] for r in rows if matches(r, filters, skip="status"))
    return {"shown": shown, "filters": filters, "choices": choices(rows),
            "counts": [(s.value, s.label(lang()), counts[s.value]) for s in DispatchStatus],
            "totals": {"orders": len(shown), "units": sum(r["units"] for r in shown),
                       "kg": round(sum(r["kg"] for r in shown), 1)},
            "selectable": [r["code"] for r in shown if r["may_close"]],
            "depots": sorted({r["depot"] for r in shown}),
            "vehicles": sorted({(ld["plate"], ld["vehicle"]) for r in shown
                                for ld in r["loads"] if ld["vehicle"]})}
