"""A map of an area drawn as SVG from centroids: no tiles, no network, works offline."""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class Point:
    lat: float | None
    lon: float | None
    label: str
    kind: str  # "area", "depot" or "shelter"
    colour: str = "#2c7bb6"
    weight: float = 1.0  # relative size (areas: population)
    href: str = ""
    title: str = ""


@dataclass(frozen=True)
class Link:
    """A line between two points: supplies (depot → area) or evacuees (area → shelter)."""

    start: tuple[float | None, float | None]  # (lat, lon)
    end: tuple[float | None, float | None]
    kind: str  # "supply" or "shelter"
    weight: float = 1.0  # relative thickness (units or people)
    title: str = ""


LINK_STYLE = {"supply": ('#795548', ''), "shelter": ('#2e7d32', ' stroke-dasharray="5 4"')}


def coverage_colour(ratio: float | None) -> str:
    """Blue when a need is met in full, then yellow, orange and red as it falls short."""
    if ratio is None:
        return "#9e9e9e"
    if ratio >= 0.995:
        return "#2c7bb6"
    return "#ffd92f" if ratio >= 0.8 else ("#fdae61" if ratio >= 0.5 else "#d7191c")


def render(points: Sequence[Point], width: int = 640, height: int = 420,
           pad: int = 36, links: Sequence[Link] = (), labels: bool = True,
           area_size: float | None = None) -> str:
    """Equirectangular projection (longitude scaled by cos(latitude)) fitted to the points.

    Links are drawn over the areas and under depots and shelters; `labels=False` leaves area
    names to the tooltips (for maps too crowded to read); `area_size` caps the circles.
    """
    placed = [p for p in points if p.lat is not None and p.lon is not None]
    if not placed:
        return ""
    lats = [p.lat for p in placed if p.lat is not None]
    lons = [p.lon for p in placed if p.lon is not None]
    k = math.cos(math.radians(sum(lats) / len(lats)))
    span_x = max((max(lons) - min(lons)) * k, 1e-4)
    span_y = max(max(lats) - min(lats), 1e-4)
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)

    west, north = min(lons), max(lats)  # once, not per point

    def at(lat: float, lon: float) -> tuple[float, float]:
        x = pad + ((lon - west) * k) * scale + (width - 2 * pad - span_x * scale) / 2
        y = pad + (north - lat) * scale + (height - 2 * pad - span_y * scale) / 2
        return round(x, 1), round(y, 1)

    def xy(p: Point) -> tuple[float, float]:
        return at(p.lat, p.lon)  # type: ignore[arg-type]

    biggest = max((p.weight for p in placed if p.kind == "area"), default=1.0) or 1.0
    areas = sum(1 for p in placed if p.kind == "area")
    max_r: float = 24 if areas <= 6 else (16 if areas <= 16 else 10)  # crowded: smaller
    if area_size is not None:
        max_r = min(max_r, area_size)
    ordered = sorted(placed, key=lambda p: {"area": 0, "shelter": 1, "depot": 2}[p.kind])
    drawn = [_shape(p, *xy(p), biggest, max_r, labels) for p in ordered]
    shapes = drawn[:areas] + _links(links, at) + drawn[areas:]
    return (f'<svg class="map" viewBox="0 0 {width} {height}" role="img" '
            f'xmlns="http://www.w3.org/2000/svg"><rect class="map-bg" width="{width}" '
            f'height="{height}" rx="8"/>{"".join(shapes)}</svg>')


def _links(links: Sequence[Link],
           at: Callable[[float, float], tuple[float, float]]) -> list[str]:
    drawn = [ln for ln in links if None not in (*ln.start, *ln.end)]
    heaviest = max((ln.weight for ln in drawn), default=1.0) or 1.0
    out = []
    for ln in drawn:
        (x1, y1), (x2, y2) = at(*ln.start), at(*ln.end)  # type: ignore[arg-type]
        colour, dash = LINK_STYLE.get(ln.kind, LINK_STYLE["supply"])
        width = 1 + 3 * math.sqrt(max(ln.weight, 0) / heaviest)
        out.append(f'<line class="map-link {escape(ln.kind)}" x1="{x1}" y1="{y1}" x2="{x2}" '
                   f'y2="{y2}" stroke="{colour}" stroke-width="{width:.1f}" '
                   f'stroke-opacity="0.6"{dash}><title>{escape(ln.title)}</title></line>')
    return out


def _shape(p: Point, x: float, y: float, biggest: float, max_r: float,
           labels: bool = True) -> str:
    title = f"<title>{escape(p.title or p.label)}</title>"
    if p.kind == "area":
        r = 5 + max_r * math.sqrt(max(p.weight, 0) / biggest)
        body = (f'<circle cx="{x}" cy="{y}" r="{r:.1f}" fill="{p.colour}" fill-opacity="0.75" '
                f'stroke="#333" stroke-width="1"/>')
        if labels:
            body += (f'<text x="{x}" y="{y + r + 12:.1f}" text-anchor="middle" '
                     f'class="map-label">{escape(p.label)}</text>')
    elif p.kind == "depot":
        body = (f'<rect x="{x - 5}" y="{y - 5}" width="10" height="10" fill="#5d4037" '
                f'stroke="#fff" stroke-width="1.5"/>')
    else:
        body = (f'<path d="M{x},{y - 7} L{x + 6},{y + 5} L{x - 6},{y + 5} Z" fill="#2e7d32" '
                f'stroke="#fff" stroke-width="1.5"/>')
    inner = f"{title}{body}"
    if p.href:
        return f'<a href="{escape(p.href)}">{inner}</a>'
    return f"<g>{inner}</g>"
