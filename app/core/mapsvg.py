"""A map of an area drawn as SVG from centroids: no tiles, no network, works offline."""
from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from app.core import maplabels
from app.core.maplabels import Box, Label

LatLon = tuple[float | None, float | None]
XY = tuple[float, float]


@dataclass(frozen=True)
class Point:
    lat: float | None
    lon: float | None
    label: str
    kind: str  # "area", "depot", "shelter" or "point" (a receiving point)
    colour: str = "#2c7bb6"
    weight: float = 1.0  # relative size (areas: population)
    href: str = ""
    title: str = ""
    rank: float = 0.0  # label priority: lower is placed first


@dataclass(frozen=True)
class Link:
    """A line between two points: supplies (depot → area), a vehicle's trip (depot → stops;
    "trip", or "unvehicled" without a vehicle) or evacuees (area → shelter)."""

    start: LatLon  # (lat, lon)
    end: LatLon
    kind: str  # "supply", "trip", "unvehicled" or "shelter"
    weight: float = 1.0  # relative thickness (kg, units or people)
    title: str = ""
    via: tuple[LatLon, ...] = ()  # stops between start and end


LINK_STYLE = {"supply": ("#795548", ""), "trip": ("#795548", ""),
              "unvehicled": ("#e65100", ' stroke-dasharray="6 4"'),
              "shelter": ("#2e7d32", ' stroke-dasharray="5 4"')}
FAMILY = {"shelter": "people"}  # widths compare within a family: kg with kg, people with people
MARKER_R = {"depot": 6.0, "shelter": 7.0, "point": 5.0}
DRAW_ORDER = {"area": 0, "point": 1, "shelter": 2, "depot": 3}
LABEL_SIZES = (11.0,)  # font sizes in viewBox units; several: one layer each (CSS picks)
REACH = 1.7  # the frame extends to this many times the focus before far points go to the edge
ARROWS = "→↘↓↙←↖↑↗"


def coverage_colour(ratio: float | None) -> str:
    """Blue when a need is met in full, then yellow, orange and red as it falls short."""
    if ratio is None:
        return "#9e9e9e"
    if ratio >= 0.995:
        return "#2c7bb6"
    return "#ffd92f" if ratio >= 0.8 else ("#fdae61" if ratio >= 0.5 else "#d7191c")


@dataclass(frozen=True)
class _Frame:
    """The projection: lat/lon to viewBox units, far points pulled in to the edge."""

    west: float
    north: float
    k: float
    scale: float
    ox: float
    oy: float
    width: int
    height: int
    pad: int

    def raw(self, lat: float, lon: float) -> XY:
        return (self.ox + (lon - self.west) * self.k * self.scale,
                self.oy + (self.north - lat) * self.scale)

    def _pull(self, lat: float, lon: float) -> tuple[float, float, float]:
        """The place in viewBox units and how far toward the centre it is pulled (1: not)."""
        x, y = self.raw(lat, lon)
        inset = self.pad / 3
        cx, cy = self.width / 2, self.height / 2
        t = 1.0
        if abs(x - cx) > cx - inset:
            t = (cx - inset) / abs(x - cx)
        if abs(y - cy) > cy - inset:
            t = min(t, (cy - inset) / abs(y - cy))
        return cx + (x - cx) * t, cy + (y - cy) * t, t

    def at(self, lat: float, lon: float) -> XY:
        """Where a place is drawn: inside the frame, or where its direction meets the edge."""
        x, y, _ = self._pull(lat, lon)
        return round(x, 1), round(y, 1)

    def off(self, lat: float, lon: float) -> str:
        """An arrow pointing where the place lies beyond the edge, or "" when it is inside."""
        x, y, t = self._pull(lat, lon)
        if t >= 1.0:
            return ""
        angle = math.atan2(y - self.height / 2, x - self.width / 2)
        return ARROWS[round(angle / (math.pi / 4)) % 8]


def _bounds(places: Sequence[tuple[float, float]]) -> tuple[float, float, float, float]:
    lats, lons = [p[0] for p in places], [p[1] for p in places]
    return min(lats), max(lats), min(lons), max(lons)


def _frame(places: Sequence[tuple[float, float]], focus: Sequence[tuple[float, float]],
           width: int, height: int, pad: int) -> _Frame:
    """Fit the places; with a `focus`, fit it first and keep what lies near it in view."""
    south, north, west, east = _bounds(places)
    if focus:
        fs, fn, fw, fe = _bounds(focus)
        mid_lat, mid_lon = (fs + fn) / 2, (fw + fe) / 2
        half_lat = max(fn - fs, 0.006) / 2 * REACH
        half_lon = max(fe - fw, 0.006) / 2 * REACH
        south, north = max(south, mid_lat - half_lat), min(north, mid_lat + half_lat)
        west, east = max(west, mid_lon - half_lon), min(east, mid_lon + half_lon)
    k = math.cos(math.radians((south + north) / 2))
    span_x, span_y = max((east - west) * k, 1e-4), max(north - south, 1e-4)
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    return _Frame(west, north, k, scale, pad + (width - 2 * pad - span_x * scale) / 2,
                  pad + (height - 2 * pad - span_y * scale) / 2, width, height, pad)


def render(points: Sequence[Point], width: int = 640, height: int = 420,
           pad: int = 36, links: Sequence[Link] = (), labels: bool = True,
           area_size: float | None = None, focus: Sequence[LatLon] = (),
           label_kinds: Collection[str] = ("area",),
           label_sizes: Sequence[float] = LABEL_SIZES) -> str:
    """Equirectangular projection (longitude scaled by cos(latitude)) fitted to the points, or
    to `focus` (far points then sit at the edge with an arrow).

    Links are drawn under the areas and markers (fainter when there are many); labels of
    `label_kinds` are placed where they overlap nothing (one layer per font size in
    `label_sizes`), the others stay in the tooltips; `labels=False` draws none; `area_size`
    caps the circles.
    """
    placed = [p for p in points if p.lat is not None and p.lon is not None]
    if not placed:
        return ""
    near = [(la, lo) for la, lo in focus if la is not None and lo is not None]
    frame = _frame([(p.lat, p.lon) for p in placed], near,  # type: ignore[misc]
                   width, height, pad)
    biggest = max((p.weight for p in placed if p.kind == "area"), default=1.0) or 1.0
    areas = sum(1 for p in placed if p.kind == "area")
    max_r: float = 24 if areas <= 6 else (16 if areas <= 16 else 10)  # crowded: smaller
    if area_size is not None:
        max_r = min(max_r, area_size)
    ordered = sorted(placed, key=lambda p: DRAW_ORDER.get(p.kind, 1))
    marks = [_mark(p, frame, biggest, max_r) for p in ordered]
    shapes = [m[0] for m in marks]
    layers = _labels(ordered, marks, width, height, label_kinds, label_sizes) if labels else []
    body = _links(links, frame.at) + shapes + layers
    return (f'<svg class="map" viewBox="0 0 {width} {height}" role="img" '
            f'xmlns="http://www.w3.org/2000/svg"><rect class="map-bg" width="{width}" '
            f'height="{height}" rx="8"/>{"".join(body)}</svg>')


def _labels(ordered: Sequence[Point], marks: Sequence[tuple[str, float, float, float, str]],
            width: int, height: int, kinds: Collection[str],
            sizes: Sequence[float]) -> list[str]:
    """One layer of placed labels per font size, by rank (then input order); an area's label
    may cover a depot or shelter when it fits nowhere else."""
    boxes = [maplabels.marker_box(x, y, r) for _, x, y, r, _ in marks]
    areas = [b for b, p in zip(boxes, ordered, strict=True) if p.kind == "area"]
    small = [b for b, p in zip(boxes, ordered, strict=True) if p.kind != "area"]
    wanted = sorted((i for i, p in enumerate(ordered) if p.kind in kinds and p.label),
                    key=lambda i: ordered[i].rank)
    texts = [f"{marks[i][4]} {ordered[i].label}".strip() for i in wanted]
    todo = [Label(marks[i][1], marks[i][2], marks[i][3], t, ordered[i].kind == "area")
            for i, t in zip(wanted, texts, strict=True)]
    out = []
    for n, size in enumerate(sizes):
        spots = maplabels.place(todo, areas, Box(2, 2, width - 2, height - 2), size, small)
        cls = "" if len(sizes) == 1 else (" wide" if n == 0 else " narrow")
        drawn = "".join(
            f'<text x="{b.x0:.1f}" y="{b.y0 + size * maplabels.ASCENT:.1f}" class="map-label">'
            f'{escape(t)}</text>' for b, t in zip(spots, texts, strict=True) if b is not None)
        out.append(f'<g class="map-labels{cls}" font-size="{size:g}">{drawn}</g>')
    return out


def _links(links: Sequence[Link], at: Callable[[float, float], XY]) -> list[str]:
    drawn = [ln for ln in links if None not in (*ln.start, *ln.end)
             and all(None not in v for v in ln.via)]
    heaviest: dict[str, float] = {}
    for ln in drawn:
        family = FAMILY.get(ln.kind, "kg")
        heaviest[family] = max(heaviest.get(family, 0.0), ln.weight)
    opacity = 0.7 if len(drawn) <= 40 else 0.45
    out = []
    for ln in drawn:
        xy = [at(*p) for p in (ln.start, *ln.via, ln.end)]  # type: ignore[arg-type]
        colour, dash = LINK_STYLE.get(ln.kind, LINK_STYLE["supply"])
        top = heaviest[FAMILY.get(ln.kind, "kg")] or 1.0
        width = 1.5 + 4.5 * math.sqrt(max(ln.weight, 0) / top)
        common = (f'class="map-link {escape(ln.kind)}" fill="none" stroke="{colour}" '
                  f'stroke-width="{width:.1f}" stroke-opacity="{opacity}" stroke-linecap="round"'
                  f'{dash}><title>{escape(ln.title)}</title>')
        if len(xy) == 2:
            (x1, y1), (x2, y2) = xy
            out.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" {common}</line>')
        else:
            out.append(f'<polyline points="{" ".join(f"{x},{y}" for x, y in xy)}" '
                       f'{common}</polyline>')
    return out


def _mark(p: Point, frame: _Frame, biggest: float,
          max_r: float) -> tuple[str, float, float, float, str]:
    """The marker's SVG, its place and radius, and its off-edge arrow ("" inside)."""
    x, y = frame.at(p.lat, p.lon)  # type: ignore[arg-type]
    arrow = frame.off(p.lat, p.lon)  # type: ignore[arg-type]
    title = f"<title>{escape(p.title or p.label)}</title>"
    r = 5 + max_r * math.sqrt(max(p.weight, 0) / biggest) if p.kind == "area" else (
        MARKER_R.get(p.kind, 6.0))
    cls = f'map-mark {p.kind}{" offmap" if arrow else ""}'
    if p.kind == "area":
        body = (f'<circle cx="{x}" cy="{y}" r="{r:.1f}" fill="{p.colour}" fill-opacity="0.75" '
                f'stroke="#333" stroke-width="1"/>')
    elif p.kind == "depot":
        body = (f'<rect x="{x - 5}" y="{y - 5}" width="10" height="10" fill="#5d4037" '
                f'stroke="#fff" stroke-width="1.5"/>')
    elif p.kind == "point":
        body = (f'<path d="M{x},{y - 5} L{x + 5},{y} L{x},{y + 5} L{x - 5},{y} Z" '
                f'fill="#fff" stroke="#6a1b9a" stroke-width="2"/>')
    else:
        body = (f'<path d="M{x},{y - 7} L{x + 6},{y + 5} L{x - 6},{y + 5} Z" fill="#2e7d32" '
                f'stroke="#fff" stroke-width="1.5"/>')
    inner = f"{title}{body}"
    if p.href:
        return f'<a href="{escape(p.href)}" class="{cls}">{inner}</a>', x, y, r, arrow
    return f'<g class="{cls}">{inner}</g>', x, y, r, arrow
