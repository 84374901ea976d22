"""The JSON scenario files of `readygrid solve`, read into the optimiser's problems.

Every reader checks each field and raises `BadScenario` naming the field at fault (the CLI
exits 2 with that one line). The generic field checks are also used by `drills.scenario`.
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from optimizer import shelters, supplies, teams

Check = Callable[[Any, str], Any]


MOST = 10**12  # quantities beyond this would overflow the solvers' integer costs


class BadScenario(Exception):
    """The scenario breaks the format; `where` names the field at fault."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")


# ---- checks: each takes the JSON value and its path, returns the clean value or raises ----
def whole(value: Any, where: str) -> int:
    if (isinstance(value, bool) or not isinstance(value, int | float)
            or not math.isfinite(value) or value != int(value) or value < 0):
        raise BadScenario(where, "must be a whole number ≥ 0")
    if value > MOST:
        raise BadScenario(where, f"must be at most {MOST:,}")
    return int(value)


def at_least_one(value: Any, where: str) -> int:
    if whole(value, where) < 1:
        raise BadScenario(where, "must be a whole number ≥ 1")
    return int(value)


def number(low: float = 0.0, high: float = math.inf, above: bool = False) -> Check:
    """A finite number in [low, high] (or (low, high] when `above`)."""
    def check(value: Any, where: str) -> float:
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or not math.isfinite(value) or value > high
                or (value <= low if above else value < low)):
            bound = f"> {low:g}" if above else f"≥ {low:g}"
            raise BadScenario(where, f"must be a number {bound}"
                              + (f" and ≤ {high:g}" if high < math.inf else ""))
        return float(value)
    return check


def text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadScenario(where, "must be a non-empty string")
    return value.strip()


def boolean(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise BadScenario(where, "must be true or false")
    return value


def one_of(*choices: str) -> Check:
    def check(value: Any, where: str) -> str:
        if value not in choices:
            raise BadScenario(where, f"must be one of {', '.join(choices)}")
        return str(value)
    return check


def quantities(value: Any, where: str) -> dict[str, int]:
    if not isinstance(value, dict):
        raise BadScenario(where, "must be an object of item: whole number")
    return {text(k, where): whole(v, f"{where}.{k}") for k, v in value.items()}


LAT, LON = number(-90, 90), number(-180, 180)


def record(value: Any, where: str, fields: dict[str, Check], required: set[str]) -> dict[str, Any]:
    """An object with only these fields, the required ones present; null counts as absent."""
    if not isinstance(value, dict):
        raise BadScenario(where or "scenario", "must be a JSON object")
    at = (lambda key: f"{where}.{key}") if where else (lambda key: key)
    for key in value:
        if key not in fields:
            raise BadScenario(at(key), f"unknown field (expected one of {', '.join(fields)})")
    for key in fields:
        if key in required and value.get(key) is None:
            raise BadScenario(at(key), "required")
    return {k: check(value[k], at(k)) for k, check in fields.items() if value.get(k) is not None}


def records(value: Any, where: str, fields: dict[str, Check], required: set[str],
            unique: str | None = "code") -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise BadScenario(where, "must be a list")
    rows = [record(v, f"{where}[{i}]", fields, required) for i, v in enumerate(value)]
    if unique:
        seen: set[str] = set()
        for i, row in enumerate(rows):
            if row[unique] in seen:
                raise BadScenario(f"{where}[{i}].{unique}", f"duplicate {unique} "
                                                            f"'{row[unique]}'")
            seen.add(row[unique])
    return rows


def known(rows: list[dict[str, Any]], where: str, field: str, codes: set[str], what: str) -> None:
    for i, row in enumerate(rows):
        if row[field] not in codes:
            raise BadScenario(f"{where}[{i}].{field}", f"unknown {what} '{row[field]}'")


def located(where: str, rows: list[dict[str, Any]]) -> None:
    """Without routes, distances come from coordinates: every row needs them."""
    for i, row in enumerate(rows):
        for key in ("lat", "lon"):
            if key not in row:
                raise BadScenario(f"{where}[{i}].{key}", "required when no routes are given")


def nested(value: Any, where: str) -> Any:
    """A list checked on its own afterwards."""
    return value


# ---- scenarios -----------------------------------------------------------------------------
def read_supplies(data: Any) -> supplies.SupplyProblem:
    """The supply scenario: items, depots with stock, areas with demand, optional routes."""
    top = record(data, "", {"max_distance_km": number(), "max_depots_per_area": at_least_one,
                            "items": nested, "depots": nested, "areas": nested,
                            "routes": nested}, {"depots", "areas"})
    depots = records(top["depots"], "depots", {"code": text, "lat": LAT, "lon": LON,
                                               "stock": quantities, "reserve": quantities},
                     {"code", "stock"})
    areas = records(top["areas"], "areas", {"code": text, "lat": LAT, "lon": LON,
                                            "demand": quantities, "priority_demand": quantities},
                    {"code", "demand"})
    if "items" in top:
        items = records(top["items"], "items", {"code": text, "weight": number()}, {"code"})
    else:
        codes = {k for row in depots + areas
                 for key in ("stock", "reserve", "demand", "priority_demand")
                 for k in row.get(key, {})}
        items = [{"code": c} for c in sorted(codes)]
    item_codes = {i["code"] for i in items}
    for where, rows, key, cap in (("depots", depots, "stock", None),
                                  ("depots", depots, "reserve", "stock"),
                                  ("areas", areas, "demand", None),
                                  ("areas", areas, "priority_demand", "demand")):
        for i, row in enumerate(rows):
            for item, qty in row.get(key, {}).items():
                if item not in item_codes:
                    raise BadScenario(f"{where}[{i}].{key}.{item}", "unknown item (not in items)")
                if cap is not None and qty > row[cap].get(item, 0):
                    raise BadScenario(f"{where}[{i}].{key}.{item}", f"must not exceed {cap} "
                                      f"({row[cap].get(item, 0)})")
    routes = _routes(top, "depot", {d["code"] for d in depots}, "area",
                     {a["code"] for a in areas})
    if routes is None:
        located("depots", depots)
        located("areas", areas)
    return supplies.SupplyProblem(
        [supplies.ItemSpec(i["code"], i.get("weight", 1.0)) for i in items],
        [supplies.DepotStock(d["code"], d.get("lat"), d.get("lon"), d["stock"],
                             d.get("reserve", {})) for d in depots],
        [supplies.AreaNeed(a["code"], a.get("lat"), a.get("lon"), a["demand"],
                           a.get("priority_demand", {})) for a in areas],
        None if routes is None else [supplies.Route(*r) for r in routes],
        top.get("max_distance_km", 30.0), top.get("max_depots_per_area"))


def _routes(top: dict[str, Any], source: str, sources: set[str], target: str,
            targets: set[str]) -> list[tuple[str, str, float]] | None:
    """Explicit routes [{source, target, km}], each naming a known source and target."""
    if "routes" not in top:
        return None
    rows = records(top["routes"], "routes", {source: text, target: text, "km": number()},
                   {source, target, "km"}, unique=None)
    known(rows, "routes", source, sources, source)
    known(rows, "routes", target, targets, target)
    return [(r[source], r[target], r["km"]) for r in rows]


def read_shelters(data: Any) -> shelters.ShelterProblem:
    """The shelter scenario: areas with evacuees, shelters with free places, optional routes."""
    top = record(data, "", {"max_distance_km": number(), "areas": nested,
                            "shelters": nested, "routes": nested},
                 {"areas", "shelters"})
    areas = records(top["areas"], "areas", {"code": text, "lat": LAT, "lon": LON,
                                            "evacuees": whole, "need_access": whole},
                    {"code", "evacuees"})
    for i, a in enumerate(areas):
        if a.get("need_access", 0) > a["evacuees"]:
            raise BadScenario(f"areas[{i}].need_access", f"must not exceed evacuees "
                                                         f"({a['evacuees']})")
    places = records(top["shelters"], "shelters", {"code": text, "lat": LAT, "lon": LON,
                                                   "capacity": whole, "accessible": boolean},
                     {"code", "capacity"})
    routes = _routes(top, "area", {a["code"] for a in areas}, "shelter",
                     {s["code"] for s in places})
    if routes is None:
        located("areas", areas)
        located("shelters", places)
    return shelters.ShelterProblem(
        [shelters.EvacuationArea(a["code"], a.get("lat"), a.get("lon"), a["evacuees"],
                                 a.get("need_access", 0)) for a in areas],
        [shelters.Shelter(s["code"], s.get("lat"), s.get("lon"), s["capacity"],
                          s.get("accessible", False)) for s in places],
        top.get("max_distance_km", 5.0),
        None if routes is None else [shelters.ShelterRoute(*r) for r in routes])


def read_teams(data: Any) -> teams.TeamProblem:
    """The team scenario: teams where they stand, requirements per area."""
    top = record(data, "", {"max_distance_km": number(), "speed_kmh": number(above=True),
                            "teams": nested, "requirements": nested},
                 {"teams", "requirements"})
    kind = one_of(*teams.TEAM_KINDS)
    crews = records(top["teams"], "teams", {"code": text, "kind": kind, "speciality": text,
                                            "lat": LAT, "lon": LON, "members": whole},
                    {"code", "kind", "lat", "lon"})
    needs = records(top["requirements"], "requirements",
                    {"area": text, "lat": LAT, "lon": LON, "kind": kind, "speciality": text,
                     "count": whole, "priority": number(0, 1e6, above=True)},
                    {"area", "lat", "lon", "kind"}, unique=None)
    return teams.TeamProblem(
        [teams.Team(t["code"], t["kind"], t.get("speciality", "general"), t["lat"], t["lon"],
                    t.get("members", 0)) for t in crews],
        [teams.TeamRequirement(r["area"], r["lat"], r["lon"], r["kind"], r.get("speciality"),
                               r.get("count", 1), r.get("priority", 1.0)) for r in needs],
        top.get("max_distance_km", 30.0), top.get("speed_kmh", 30.0))


def load(path: str) -> Any:
    """The parsed JSON file, or BadScenario naming the file."""
    try:
        raw = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadScenario(path, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadScenario(path, f"cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadScenario(path, f"not valid JSON (line {exc.lineno}, column {exc.colno}: "
                                f"{exc.msg})") from None
