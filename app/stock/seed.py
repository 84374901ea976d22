"""Seed the default catalogue (items, norms with sources) and a district's levels."""
from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.vocabulary import PopulationGroup, SourceStatus
from app.stock.enums import ItemCategory, NormBasis, NormPeriod, ReserveMode
from app.stock.models import Item, PlanningNorm


def catalogue_data() -> dict[str, Any]:
    text = resources.files("app.seeds").joinpath("catalogue.toml").read_text("utf-8")
    return tomllib.loads(text)


def seed_catalogue(session: Session) -> tuple[int, int]:
    """Add missing default items and their norms; existing items are left as edited."""
    data = catalogue_data()
    have = set(session.scalars(select(Item.code)))
    added: dict[str, Item] = {}
    for raw in data["item"]:
        if raw["code"] in have:
            continue
        item = Item(**{**raw, "category": ItemCategory(raw["category"]),
                       "reserve_mode": ReserveMode(raw.get("reserve_mode", "physical"))})
        session.add(item)
        added[item.code] = item
    session.flush()
    norms = 0
    for raw in data["norm"]:
        item = added.get(raw["item"])
        if item is None:
            continue
        session.add(PlanningNorm(
            item_id=item.id, quantity=raw["quantity"], basis=NormBasis(raw["basis"]),
            people_n=raw.get("people_n"), period=NormPeriod(raw["period"]),
            population_group=PopulationGroup(raw.get("population_group", "all")),
            source=raw["source"], status=SourceStatus(raw["status"])))
        norms += 1
    session.flush()
    return len(added), norms
