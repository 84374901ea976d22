"""Label placement for the SVG maps: each label goes beside its marker where it hits no other
label or marker and stays inside the map; a label that fits nowhere is left out (its marker
keeps the text in its tooltip)."""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

GAP = 2.0  # between a marker and its label
LINE = 1.46  # a label's box height, in font sizes (as Chromium measures Noto Sans CJK)
ASCENT = 1.15  # from the box's top to the baseline, in font sizes


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def hits(self, other: Box) -> bool:
        """Whether the two boxes share any area (touching edges do not count)."""
        return (self.x0 < other.x1 and other.x0 < self.x1
                and self.y0 < other.y1 and other.y0 < self.y1)

    def inside(self, frame: Box) -> bool:
        """Whether the box lies wholly within `frame`."""
        return (self.x0 >= frame.x0 and self.y0 >= frame.y0
                and self.x1 <= frame.x1 and self.y1 <= frame.y1)


@dataclass(frozen=True)
class Label:
    """A text to place beside a marker at (x, y) of radius `r`."""

    x: float
    y: float
    r: float
    text: str
    main: bool = False  # may lie over small markers when it fits nowhere clear of them


def text_width(text: str, size: float) -> float:
    """Estimated width: wide (CJK) characters one font size, others 0.62 of it."""
    wide = sum(1 for ch in text if unicodedata.east_asian_width(ch) in ("W", "F"))
    return size * (wide + 0.62 * (len(text) - wide))


def marker_box(x: float, y: float, r: float) -> Box:
    """The square a marker of radius `r` at (x, y) covers."""
    return Box(x - r, y - r, x + r, y + r)


def candidates(label: Label, size: float) -> list[Box]:
    """Boxes around the marker, in order: right, left, above, below, then the diagonals."""
    w, h = text_width(label.text, size), size * LINE
    x, y, r = label.x, label.y, label.r + GAP
    d = label.r * 0.7 + GAP  # diagonals sit at the circle's corner, not the square's
    spots = [(x + r, y - h / 2), (x - r - w, y - h / 2), (x - w / 2, y - r - h),
             (x - w / 2, y + r), (x + d, y - d - h), (x - d - w, y - d - h),
             (x + d, y + d), (x - d - w, y + d)]
    return [Box(a, b, a + w, b + h) for a, b in spots]


def place(labels: Sequence[Label], obstacles: Sequence[Box], frame: Box,
          size: float, small: Sequence[Box] = ()) -> list[Box | None]:
    """Each label's box (in the given priority order), or None where it fits nowhere.

    A box must lie inside `frame` and hit neither a placed label nor a marker (`obstacles`,
    and the `small` markers unless the label is a main one that fits nowhere clear of them);
    its own marker is not in its way. Deterministic: same input, same output.
    """
    taken, minor = _Grid(), _Grid()
    for grid, boxes in ((taken, obstacles), (minor, small)):
        for box in boxes:
            grid.add((box.x0, box.y0, box.x1, box.y1))
    out: list[Box | None] = []
    for label in labels:
        own = (label.x - label.r, label.y - label.r, label.x + label.r, label.y + label.r)
        free = [(b, (b.x0, b.y0, b.x1, b.y1)) for b in candidates(label, size)
                if b.inside(frame)]
        free = [(b, q) for b, q in free if not taken.hits(q, own)]
        chosen = next((b for b, q in free if not minor.hits(q, own)), None)
        if chosen is None and label.main and free:
            chosen = free[0][0]
        out.append(chosen)
        if chosen is not None:
            taken.add((chosen.x0, chosen.y0, chosen.x1, chosen.y1))
    return out


Quad = tuple[float, float, float, float]


class _Grid:
    """Boxes filed by the cells they cover, so a test looks only at its neighbours."""

    CELL = 48.0

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[Quad]] = {}

    def add(self, box: Quad) -> None:
        c = self.CELL
        for i in range(int(box[0] // c), int(box[2] // c) + 1):
            for j in range(int(box[1] // c), int(box[3] // c) + 1):
                self.cells.setdefault((i, j), []).append(box)

    def hits(self, box: Quad, own: Quad) -> bool:
        """Whether `box` hits a filed box other than `own` (its label's marker)."""
        c, cells = self.CELL, self.cells
        x0, y0, x1, y1 = box
        for i in range(int(x0 // c), int(x1 // c) + 1):
            for j in range(int(y0 // c), int(y1 // c) + 1):
                for o in cells.get((i, j), ()):
                    if o[0] < x1 and x0 < o[2] and o[1] < y1 and y0 < o[3] and o != own:
                        return True
        return False
