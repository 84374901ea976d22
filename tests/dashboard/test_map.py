"""The dashboard's map places its labels as the plan map does: a desktop and a phone layer,
no two labels over each other, none cut off at the edge."""
from __future__ import annotations

import itertools
import re
from typing import Any

from app.core import maplabels
from app.core.maplabels import Box
from tests.helpers import sign_in


def test_the_dashboard_map_labels_every_unit_apart_in_a_desktop_and_a_phone_layer(
        client: Any, demo: Any) -> None:
    sign_in(client, "admin")
    html = client.get("/").get_data(as_text=True)
    svg = html[html.index('<svg class="map"'):html.index("</svg>")]
    for cls, size in (("wide", 11), ("narrow", 20)):
        layer = re.search(rf'<g class="map-labels {cls}" font-size="{size}">(.*?)</g>', svg)
        assert layer is not None, cls
        texts = re.findall(r'<text x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>',
                           layer.group(1))
        assert texts
        boxes = [Box(float(x), float(y) - size * maplabels.ASCENT,
                     float(x) + maplabels.text_width(t, size),
                     float(y) - size * maplabels.ASCENT + size * maplabels.LINE)
                 for x, y, t in texts]
        assert all(b.inside(Box(0, 0, 640, 420)) for b in boxes)
        assert not any(a.hits(b) for a, b in itertools.combinations(boxes, 2))
