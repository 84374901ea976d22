"""In-app notifications: the outbox as the signed-in user's list."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("notifications_web", __name__)


@bp.get("/notifications")
def index() -> str:  # placeholder until the list lands
    return ""
