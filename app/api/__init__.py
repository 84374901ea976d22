"""The JSON API under /api/v1: one blueprint per area of the domain."""
from __future__ import annotations

from apiflask import APIFlask


def register_api(app: APIFlask) -> None:
    from app.api import (
        accounts,
        alerts,
        areas,
        catalogue,
        drills,
        edxl,
        exchange,
        incidents,
        plans,
        resources,
        stock,
    )

    for module in (accounts, areas, catalogue, stock, resources, exchange, incidents,
                   drills, plans, alerts, edxl):
        app.register_blueprint(module.bp)

    @app.spec_processor
    def _secure(spec: dict) -> dict:  # type: ignore[type-arg]
        spec["security"] = [{"BearerAuth": []}]
        # The password exchange is the one call that takes no token.
        spec["paths"]["/api/v1/auth/token"]["post"]["security"] = []
        return spec
