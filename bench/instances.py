"""Seeded supply-allocation instances shaped like Nanjing districts.

Grids cluster around communities, communities around streets, streets around district
centres (32.05N 118.78E). Each grid has 500-3,000 residents, 5-15 % of them vulnerable, and a
displaced share set per community; demand is the catalogue's Sphere-based norms for the
displaced over three days (`optimizer.needs`). About half the items are scarce (30-90 % of
demand in stock), the rest plentiful; each area has routes to its nearest depots, road km =
great-circle km x 1.3.

    generate("district", seed=1)  # ~700 areas, 30 depots, 12 items
    generate("city", seed=1)      # ~10,000 areas, 300 depots, 12 items
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from optimizer.geo import EARTH_KM
from optimizer.needs import Norm, People, needs
from optimizer.supplies import AreaNeed, DepotStock, ItemSpec, Route, SupplyProblem

CENTRE = (32.05, 118.78)  # Nanjing, Xinjiekou
ROAD_FACTOR = 1.3
DAYS = 3.0
HOUSEHOLD_SIZE = 2.6
KM_PER_DEG_LAT = math.pi * EARTH_KM / 180
VULNERABLE_MIX = {"infants": 0.25, "elderly_alone": 0.35, "disabled": 0.15,
                  "chronically_ill": 0.25}


@dataclass(frozen=True)
class Scale:
    name: str
    areas: int
    depots: int
    items: int = 12
    nearest: int = 20  # routes from each area to this many nearest depots
    floor_s: float = 1.0  # end-to-end floor of the issue: load, solve, store


SCALES = {
    "district": Scale("district", 700, 30, floor_s=1.0),
    "city": Scale("city", 10_000, 300, floor_s=15.0),
}

# The catalogue's norms (app/seeds/catalogue.toml), kept here so the bench needs no app.
ITEMS: tuple[tuple[ItemSpec, tuple[Norm, ...]], ...] = (
    (ItemSpec("WATER-DRINK", 1.0), (Norm("WATER-DRINK", 3),)),
    (ItemSpec("FOOD-RATION", 0.6), (Norm("FOOD-RATION", 1),)),
    (ItemSpec("WATER-DOMESTIC", 1.0), (Norm("WATER-DOMESTIC", 12),)),
    (ItemSpec("QUILT", 2.5), (Norm("QUILT", 1, period="event"),)),
    (ItemSpec("TENT-12", 35.0), (Norm("TENT-12", 1, "people_n", "event", people_n=3),)),
    (ItemSpec("FLASHLIGHT", 0.3), (Norm("FLASHLIGHT", 1, "household", "event"),)),
    (ItemSpec("FIRST-AID-KIT", 1.2),
     (Norm("FIRST-AID-KIT", 1, "people_n", "event", people_n=50),)),
    (ItemSpec("SOAP", 0.25), (Norm("SOAP", 1.8, period="month"),)),
    (ItemSpec("INFANT-FORMULA", 0.9), (Norm("INFANT-FORMULA", 0.2, group="infants"),)),
    (ItemSpec("DIAPER-INFANT", 0.05), (Norm("DIAPER-INFANT", 6, group="infants"),)),
    (ItemSpec("FOLDING-BED", 8.0),
     (Norm("FOLDING-BED", 1, period="event", group="disabled"),
      Norm("FOLDING-BED", 1, period="event", group="elderly_alone"))),
    (ItemSpec("CHRONIC-MEDS", 0.3), (Norm("CHRONIC-MEDS", 0.143, group="chronically_ill"),)),
)


def generate(scale: Scale | str, seed: int = 1) -> SupplyProblem:
    """A reproducible instance: the same scale and seed give the same problem."""
    scale = SCALES[scale] if isinstance(scale, str) else scale
    if not 1 <= scale.items <= len(ITEMS):
        raise ValueError(f"between 1 and {len(ITEMS)} items")
    rng = np.random.default_rng(seed)
    items = ITEMS[: scale.items]
    lat, lon, codes, community = _grids(rng, scale.areas)
    areas = _areas(rng, items, lat, lon, codes, community)
    totals = {spec.code: sum(a.demand.get(spec.code, 0) for a in areas) for spec, _ in items}
    depots = _depots(rng, totals, lat, lon, community, scale.depots)
    routes = _routes(lat, lon, codes, depots, scale.nearest)
    return SupplyProblem([spec for spec, _ in items], depots, areas, routes,
                         max_distance_km=math.ceil(max(r.km for r in routes)))


def _offsets(rng: np.random.Generator, n: int, km: float) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian offsets in degrees of latitude and longitude, `km` standard deviation."""
    north, east = rng.normal(0.0, km, n), rng.normal(0.0, km, n)
    km_per_deg_lon = KM_PER_DEG_LAT * math.cos(math.radians(CENTRE[0]))
    return north / KM_PER_DEG_LAT, east / km_per_deg_lon


def _parents(rng: np.random.Generator, children: int, parents: int) -> np.ndarray:
    """Assign children to parents in order, with uneven (lognormal) shares."""
    edges = np.cumsum(rng.lognormal(0.0, 0.4, parents))
    return np.searchsorted(edges / edges[-1], (np.arange(children) + 0.5) / children)


def _grids(rng: np.random.Generator, n: int
           ) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """Grid centroids around communities, streets (about 70 grids) and districts (700)."""
    n_districts, n_streets = max(1, round(n / 700)), max(1, round(n / 70))
    n_communities = max(1, round(n / 10))
    # district centres spread over the city (radius ~25 km), one at the centre for a district
    radius = 25.0 * np.sqrt(rng.uniform(0, 1, n_districts)) * (n_districts > 1)
    angle = rng.uniform(0, 2 * np.pi, n_districts)
    km_per_deg_lon = KM_PER_DEG_LAT * math.cos(math.radians(CENTRE[0]))
    d_lat = CENTRE[0] + radius * np.sin(angle) / KM_PER_DEG_LAT
    d_lon = CENTRE[1] + radius * np.cos(angle) / km_per_deg_lon
    street_district = _parents(rng, n_streets, n_districts)
    north, east = _offsets(rng, n_streets, 2.5)
    s_lat, s_lon = d_lat[street_district] + north, d_lon[street_district] + east
    community_street = _parents(rng, n_communities, n_streets)
    north, east = _offsets(rng, n_communities, 0.7)
    c_lat, c_lon = s_lat[community_street] + north, s_lon[community_street] + east
    community = _parents(rng, n, n_communities)
    north, east = _offsets(rng, n, 0.2)
    lat, lon = c_lat[community] + north, c_lon[community] + east
    codes = [f"S{community_street[c]:03d}-C{c:04d}-G{g:05d}" for g, c in enumerate(community)]
    return lat, lon, codes, community


def _areas(rng: np.random.Generator, items: tuple[tuple[ItemSpec, tuple[Norm, ...]], ...],
           lat: np.ndarray, lon: np.ndarray, codes: list[str],
           community: np.ndarray) -> list[AreaNeed]:
    """Residents, the displaced among them and their three-day needs, per grid."""
    n = len(codes)
    population = rng.integers(500, 3001, n)
    vulnerable = population * rng.uniform(0.05, 0.15, n)
    # flooding hits whole communities: the displaced share is set per community
    displaced_share = rng.uniform(0.1, 0.6, int(community.max()) + 1)[community]
    displaced = np.rint(population * displaced_share).astype(int)
    norms = [norm for _, item_norms in items for norm in item_norms]
    out = []
    for i in range(n):
        groups = {g: int(round(vulnerable[i] * displaced_share[i] * share))
                  for g, share in VULNERABLE_MIX.items()}
        people = People(int(displaced[i]), round(displaced[i] / HOUSEHOLD_SIZE), groups)
        need = needs(norms, people, DAYS)
        out.append(AreaNeed(codes[i], round(float(lat[i]), 6), round(float(lon[i]), 6),
                            {k: int(v.total) for k, v in need.items() if v.total > 0},
                            {k: int(v.priority) for k, v in need.items() if v.priority > 0}))
    return out


def _depots(rng: np.random.Generator, totals: dict[str, int], lat: np.ndarray,
            lon: np.ndarray, community: np.ndarray, n: int) -> list[DepotStock]:
    """Depots at community centres, more where there are more grids; some items scarce."""
    n_communities = int(community.max()) + 1
    grids = np.bincount(community, minlength=n_communities).astype(float)
    host = rng.choice(n_communities, n, replace=n > n_communities, p=grids / grids.sum())
    first = np.searchsorted(community, host)  # a grid of the host community for its position
    north, east = _offsets(rng, n, 0.3)
    scarce = set(rng.choice(len(totals), len(totals) // 2, replace=False).tolist())
    stock: list[dict[str, int]] = [{} for _ in range(n)]
    for k, (code, demand) in enumerate(totals.items()):
        ratio = rng.uniform(0.3, 0.9) if k in scarce else rng.uniform(1.2, 2.0)
        held = rng.random(n) < 0.85  # not every depot stocks every item
        share = rng.lognormal(0.0, 0.6, n) * held
        amounts = np.floor(ratio * demand * share / max(share.sum(), 1e-9)).astype(int)
        for d in np.nonzero(amounts)[0]:
            stock[d][code] = int(amounts[d])
    return [DepotStock(f"DEP{d:03d}", round(float(lat[first[d]] + north[d]), 6),
                       round(float(lon[first[d]] + east[d]), 6), stock[d]) for d in range(n)]


def _routes(lat: np.ndarray, lon: np.ndarray, codes: list[str], depots: list[DepotStock],
            nearest: int) -> list[Route]:
    """Each area's routes to its `nearest` depots, road km = great circle x ROAD_FACTOR."""
    d_lat = np.array([d.lat for d in depots], dtype=float)
    d_lon = np.array([d.lon for d in depots], dtype=float)
    km = ROAD_FACTOR * _haversine_km(lat[:, None], lon[:, None], d_lat[None, :], d_lon[None, :])
    k = min(nearest, len(depots))
    near = np.argpartition(km, k - 1, axis=1)[:, :k]
    return [Route(depots[d].code, codes[a], round(float(km[a, d]), 3))
            for a in range(len(codes)) for d in near[a]]


def _haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray,
                  lon2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = (np.sin((p2 - p1) / 2) ** 2
         + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2)
    km: np.ndarray = 2 * EARTH_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return km
