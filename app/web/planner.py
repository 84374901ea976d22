"""The timetable planner page: a year of required drills placed by CP-SAT, then created."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("planner_web", __name__)
