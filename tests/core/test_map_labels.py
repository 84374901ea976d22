"""Map labels never overlap one another or a marker, never leave the map, and land in the same
places every time; a focused map keeps the affected area large and puts far depots at the edge."""
from __future__ import annotations

import itertools
import random
import re

from app.core import maplabels, mapsvg
from app.core.maplabels import Box, Label

NAMES = ["桃园社区", "Riverside Community", "S01-C01", "东湖街道第三网格", "D12", "SH-07"]
FRAME = Box(0, 0, 640, 420)


def _crowd(n: int, seed: int = 3) -> tuple[list[Label], list[Box]]:
    rng = random.Random(seed)
    labels = [Label(rng.uniform(0, 640), rng.uniform(0, 420), rng.choice([5.0, 9.0, 15.0]),
                    rng.choice(NAMES)) for _ in range(n)]
    return labels, [maplabels.marker_box(lb.x, lb.y, lb.r) for lb in labels]


def _text_boxes(svg: str, size: float) -> list[Box]:
    layer = re.search(rf'<g class="map-labels[^"]*" font-size="{size:g}">(.*?)</g>', svg)
    assert layer is not None
    out = []
    for x, y, text in re.findall(r'<text x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>',
                                 layer.group(1)):
        top = float(y) - size * maplabels.ASCENT
        out.append(Box(float(x), top, float(x) + maplabels.text_width(text, size),
                       top + size * maplabels.LINE))
    return out


def test_crowded_labels_never_overlap_each_other_or_a_marker_and_stay_inside() -> None:
    labels, markers = _crowd(120)
    boxes = maplabels.place(labels, markers, FRAME, 12)
    drawn = [(i, b) for i, b in enumerate(boxes) if b is not None]
    assert 10 < len(drawn) < len(labels)  # crowded: some fit, some are left to the tooltips
    for (_, a), (_, b) in itertools.combinations(drawn, 2):
        assert not a.hits(b)
    for i, box in drawn:
        assert box.inside(FRAME)
        assert not any(box.hits(m) for j, m in enumerate(markers) if j != i)


def test_placing_labels_twice_gives_the_same_places() -> None:
    labels, markers = _crowd(80, seed=11)
    assert maplabels.place(labels, markers, FRAME, 11) == maplabels.place(
        labels, markers, FRAME, 11)


def test_a_label_goes_right_of_its_marker_first_and_elsewhere_when_the_edge_is_near() -> None:
    right = maplabels.place([Label(100, 100, 5, "D01")], [], FRAME, 10)[0]
    assert right is not None and right.x0 > 105 and right.y0 < 100 < right.y1
    edge = maplabels.place([Label(636, 200, 5, "D01")], [], FRAME, 10)[0]
    assert edge is not None and edge.x1 < 631  # on the left: the right would clip


def test_chinese_characters_count_about_twice_as_wide_as_latin_ones() -> None:
    assert maplabels.text_width("桃园", 10) == 20
    assert 11 < maplabels.text_width("AB", 10) < 14


def test_a_rendered_crowded_map_draws_no_two_labels_over_each_other_in_any_layer() -> None:
    rng = random.Random(5)
    points = [mapsvg.Point(22.5 + rng.uniform(0, 0.05), 114.0 + rng.uniform(0, 0.08),
                           rng.choice(NAMES), rng.choice(["area", "depot", "shelter"]),
                           weight=rng.uniform(100, 5000), title="t") for _ in range(90)]
    svg = mapsvg.render(points, label_kinds=("area", "depot", "shelter"),
                        label_sizes=(12, 20))
    for size in (12, 20):
        boxes = _text_boxes(svg, size)
        assert boxes
        assert all(b.inside(Box(0, 0, 640, 420)) for b in boxes)
        for a, b in itertools.combinations(boxes, 2):
            assert not a.hits(b)
    assert svg.count("<title>") == 90  # every mark keeps its hover text
    assert mapsvg.render(points, label_sizes=(12, 20)) == mapsvg.render(
        points, label_sizes=(12, 20))


def test_the_lowest_ranked_label_is_placed_first_and_takes_the_spot_on_the_right() -> None:
    points = [mapsvg.Point(22.5, 114.0, "LATE", "area", rank=2.0),
              mapsvg.Point(22.5, 114.0, "FIRST", "area", rank=0.1)]
    svg = mapsvg.render(points)
    cx = float(re.findall(r'<circle cx="([\d.]+)"', svg)[0])
    xs = dict((t, float(x)) for x, t in re.findall(r'<text x="([\d.]+)"[^>]*>([^<]*)<', svg))
    assert xs["FIRST"] > cx > xs["LATE"]


def test_a_focused_map_keeps_the_affected_areas_large_and_a_far_depot_at_the_edge() -> None:
    near = [mapsvg.Point(22.50, 114.00, "A", "area"), mapsvg.Point(22.51, 114.01, "B", "area")]
    far = mapsvg.Point(22.90, 114.60, "D99", "depot")
    link = mapsvg.Link((far.lat, far.lon), (22.50, 114.00), "trip", 500)
    svg = mapsvg.render([*near, far], links=[link], focus=[(p.lat, p.lon) for p in near],
                        label_kinds=("area", "depot"))
    centres = [tuple(map(float, m)) for m in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"',
                                                        svg)]
    (x1, y1), (x2, y2) = centres
    assert abs(x2 - x1) > 60 and abs(y2 - y1) > 60  # not squashed into a blob
    assert 'class="map-mark depot offmap"' in svg and "↗ D99" in svg  # at the edge, pointed
    square = re.search(r'<rect x="([\d.]+)" y="([\d.]+)" width="10"', svg)
    assert square is not None
    assert 0 <= float(square.group(1)) <= 630 and 0 <= float(square.group(2)) <= 410
    unfocused = mapsvg.render([*near, far], links=[link])
    assert "offmap" not in unfocused


def test_an_areas_label_may_cover_small_markers_when_nothing_else_is_free_but_no_other() -> None:
    ring = [maplabels.marker_box(100 + dx, 100 + dy, 6) for dx in (-30, 0, 30)
            for dy in (-20, 0, 20) if (dx, dy) != (0, 0)]
    main, minor = Label(100, 100, 8, "桃园", main=True), Label(100, 100, 8, "D01")
    assert maplabels.place([minor], [], FRAME, 12, small=ring) == [None]
    box = maplabels.place([main], [], FRAME, 12, small=ring)[0]
    assert box is not None and box.inside(FRAME)
    assert maplabels.place([main], ring, FRAME, 12) == [None]  # markers of areas: never
