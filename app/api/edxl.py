"""EDXL-RM 1.0 resource messages and HXL-tagged CSV exports of an incident."""
from __future__ import annotations

from apiflask import APIBlueprint

bp = APIBlueprint("edxl", __name__, url_prefix="/api/v1", tag="EDXL and HXL exchange")
