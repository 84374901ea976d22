"""A map of an area drawn as SVG from centroids: no tiles, no network, works offline."""
from __future__ import annotations

import math
from collections.abc import Sequence
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


def render(points: Sequence[Point], width: int = 640, height: int = 420,
           pad: int = 36) -> str:
    """Equirectangular projection (longitude scaled by cos(latitude)) fitted to the points."""
    placed = [p for p in points if p.lat is not None and p.lon is not None]
    if not placed:
        return ""
    lats = [p.lat for p in placed]  # type: ignore[misc]
    lons = [p.lon for p in placed]  # type: ignore[misc]
    k = math.cos(math.radians(sum(lats) / len(lats)))
    span_x = max((max(lons) - min(lons)) * k, 1e-4)
    span_y = max(max(lats) - min(lats), 1e-4)
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)

    def xy(p: Point) -> tuple[float, float]:
        x = pad + ((p.lon - min(lons)) * k) * scale + (width - 2 * pad - span_x * scale) / 2
        y = pad + (max(lats) - p.lat) * scale + (height - 2 * pad - span_y * scale) / 2
        return round(x, 1), round(y, 1)

    biggest = max((p.weight for p in placed if p.kind == "area"), default=1.0) or 1.0
    areas = sum(1 for p in placed if p.kind == "area")
    max_r = 24 if areas <= 6 else (16 if areas <= 16 else 10)  # crowded maps, smaller circles
    shapes: list[str] = []
    for p in sorted(placed, key=lambda p: {"area": 0, "shelter": 1, "depot": 2}[p.kind]):
        x, y = xy(p)
        shapes.append(_shape(p, x, y, biggest, max_r))
    return (f'<svg class="map" viewBox="0 0 {width} {height}" role="img" '
            f'xmlns="http://www.w3.org/2000/svg"><rect class="map-bg" width="{width}" '
            f'height="{height}" rx="8"/>{"".join(shapes)}</svg>')


def _shape(p: Point, x: float, y: float, biggest: float, max_r: float) -> str:
    title = f"<title>{escape(p.title or p.label)}</title>"
    if p.kind == "area":
        r = 5 + max_r * math.sqrt(max(p.weight, 0) / biggest)
        body = (f'<circle cx="{x}" cy="{y}" r="{r:.1f}" fill="{p.colour}" fill-opacity="0.75" '
                f'stroke="#333" stroke-width="1"/>'
                f'<text x="{x}" y="{y + r + 12:.1f}" text-anchor="middle" class="map-label">'
                f'{escape(p.label)}</text>')
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
