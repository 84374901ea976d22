"""The supply problem and its plan: frozen dataclasses shared by the solver and the greedy
baseline."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from optimizer.geo import great_circle_km


@dataclass(frozen=True)
class ItemSpec:
    code: str
    weight: float = 1.0


@dataclass(frozen=True)
class DepotStock:
    code: str
    lat: float | None
    lon: float | None
    stock: dict[str, int]
    # units per item that must never be shipped (kept for the next shock); plans use only
    # stock - reserve, and a reserve at or above the stock leaves the depot out for that item
    reserve: dict[str, int] = field(default_factory=dict)

    def available(self, item: str) -> int:
        """What plans may ship of this item: the stock above the protected reserve."""
        return max(int(self.stock.get(item, 0)) - int(self.reserve.get(item, 0)), 0)


@dataclass(frozen=True)
class AreaNeed:
    code: str
    lat: float | None
    lon: float | None
    demand: dict[str, int]
    priority_demand: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    depot: str
    area: str
    km: float
    pinned: bool = False  # the coordinator's route: the trips stage always keeps it a trip


@dataclass(frozen=True)
class SupplyProblem:
    items: Sequence[ItemSpec]
    depots: Sequence[DepotStock]
    areas: Sequence[AreaNeed]
    routes: Sequence[Route] | None = None  # None: great-circle routes within max_distance_km
    max_distance_km: float = 30.0
    # at most this many depots send to any one area (None: no limit); kept by the trips stage
    max_depots_per_area: int | None = None


@dataclass(frozen=True)
class SolveParams:
    time_limit_s: float = 30.0
    # Items are independent: with workers > 1, large instances solve them in that many
    # processes (the flow solvers hold the GIL, so threads would not help). The trips stage
    # gives CP-SAT that many search workers (at most 8).
    workers: int = 1
    # the trips stage (fewest depot -> area pairs, then least cost, amounts kept); off: the
    # per-item flow plan as it comes
    consolidate: bool = True
    # at most this many seconds for the trips stage (None: whatever the time limit leaves)
    consolidate_time_s: float | None = None


@dataclass(frozen=True)
class Shipment:
    depot: str
    area: str
    item: str
    quantity: int
    km: float


@dataclass(frozen=True)
class AreaResult:
    area: str
    item: str
    demand: int
    priority_demand: int
    delivered: int
    priority_delivered: int

    @property
    def coverage(self) -> float:
        return self.delivered / self.demand if self.demand else 1.0


@dataclass(frozen=True)
class Unreachable:
    area: str
    item: str
    demand: int
    reason: str


@dataclass(frozen=True)
class ReserveKept:
    """A protected reserve the plan left untouched, and what the depot still holds after it."""

    depot: str
    item: str
    units: int  # kept in reserve: the reserve, or the whole stock when that is smaller
    left: int  # stock minus shipped, reserve included


@dataclass(frozen=True)
class OverLimit:
    """An area served by more depots than `max_depots_per_area`: the fixed fair amounts
    cannot reach it from fewer (or the time ran out before a plan that keeps the limit)."""

    area: str
    depots: int
    limit: int


@dataclass(frozen=True)
class Consolidation:
    """How the trips stage went.

    status: "optimal" (fewest trips, then least cost, proven), "feasible" (the best plan found
    in the time left, not proven), "flow" (CP-SAT found nothing in time: the per-item flow plan
    is kept), "off" (disabled by SolveParams) or "greedy" (the first stage ran out of time)."""

    status: str = "off"
    trips_before: int = 0  # trips of the per-item flow plan
    gap: float = 0.0  # relative gap of the trips objective (0: proven)
    cost_gap: float = 0.0  # relative gap of the cost among the plans with those trips
    seconds: float = 0.0
    parts: int = 0  # independent groups of depots and areas (connected by usable routes)
    note: str = ""
    over_limit: list[OverLimit] = field(default_factory=list)


@dataclass(frozen=True)
class SupplyPlan:
    status: str  # "optimal", or "greedy" when the time bound was hit
    shipments: list[Shipment]
    areas: list[AreaResult]
    unreachable: list[Unreachable]
    cost: float
    solve_seconds: float
    trips: int = 0  # distinct depot -> area pairs in the shipments
    consolidation: Consolidation = field(default_factory=Consolidation)
    reserve_kept: list[ReserveKept] = field(default_factory=list)


class TimeUp(Exception):
    """The time bound was reached; the caller falls back to the greedy plan."""


def routes_for(problem: SupplyProblem) -> list[Route]:
    """The explicit routes, or every depot-area pair within the maximum distance."""
    if problem.routes is not None:
        return [r for r in problem.routes if r.km <= problem.max_distance_km]
    out = []
    for depot in problem.depots:
        if depot.lat is None or depot.lon is None:
            continue
        for area in problem.areas:
            if area.lat is None or area.lon is None:
                continue
            km = great_circle_km(depot.lat, depot.lon, area.lat, area.lon)
            if km <= problem.max_distance_km:
                out.append(Route(depot.code, area.code, round(km, 3)))
    return out


def count_trips(shipments: Sequence[Shipment]) -> int:
    """Distinct depot -> area pairs: one vehicle run each, whatever the items."""
    return len({(s.depot, s.area) for s in shipments})


def over_limit(shipments: Sequence[Shipment], limit: int | None) -> list[OverLimit]:
    """The areas that more than `limit` depots send to, in area order."""
    if limit is None:
        return []
    sources: dict[str, set[str]] = {}
    for s in shipments:
        sources.setdefault(s.area, set()).add(s.depot)
    return [OverLimit(a, len(d), limit) for a, d in sorted(sources.items()) if len(d) > limit]


def worst_coverage(areas: Sequence[AreaResult], priority: bool = False) -> float:
    """The smallest delivered/demand (or priority) ratio over areas with that demand."""
    ratios = [min(r.delivered, r.priority_demand) / r.priority_demand if priority
              else r.delivered / r.demand for r in areas
              if (r.priority_demand if priority else r.demand) > 0]
    return min(ratios) if ratios else 1.0
