"""CAP 1.2 alerts: export for incidents (declaration, level change, all-clear), import."""
from __future__ import annotations

from apiflask import APIBlueprint

bp = APIBlueprint("alerts", __name__, url_prefix="/api/v1", tag="CAP alerts")
