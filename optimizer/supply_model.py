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


@dataclass(frozen=True)
class SupplyProblem:
    items: Sequence[ItemSpec]
    depots: Sequence[DepotStock]
    areas: Sequence[AreaNeed]
    routes: Sequence[Route] | None = None  # None: great-circle routes within max_distance_km
    max_distance_km: float = 30.0


@dataclass(frozen=True)
class SolveParams:
    time_limit_s: float = 30.0
    # Items are independent: with workers > 1, large instances solve them in that many
    # processes (the flow solvers hold the GIL, so threads would not help).
    workers: int = 1


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
class SupplyPlan:
    status: str  # "optimal", or "greedy" when the time bound was hit
    shipments: list[Shipment]
    areas: list[AreaResult]
    unreachable: list[Unreachable]
    cost: float
    solve_seconds: float


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


def worst_coverage(areas: Sequence[AreaResult], priority: bool = False) -> float:
    """The smallest delivered/demand (or priority) ratio over areas with that demand."""
    ratios = [min(r.delivered, r.priority_demand) / r.priority_demand if priority
              else r.delivered / r.demand for r in areas
              if (r.priority_demand if priority else r.demand) > 0]
    return min(ratios) if ratios else 1.0
