"""Drill pages: calendar, drill form, record form, compliance, corrective-action board."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("drills_web", __name__)


@bp.get("/drills")
def calendar() -> str:  # placeholder until the calendar page lands
    return ""


@bp.get("/actions")
def actions() -> str:  # placeholder until the board lands
    return ""
