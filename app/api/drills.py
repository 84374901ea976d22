"""Drills API: drills, records, corrective actions, requirements, compliance, calendars."""
from __future__ import annotations

from apiflask import APIBlueprint

bp = APIBlueprint("drills", __name__, url_prefix="/api/v1", tag="Drills")
