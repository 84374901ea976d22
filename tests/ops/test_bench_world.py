"""The allocation benchmark's world: a generated instance built into the database plans like it."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from sqlalchemy import func, select

from app.incidents.allocation import services as allocation
from app.models import Area, Item, PlanLine
from bench.allocation_db import build_world, declare_over, reach_km
from bench.instances import Scale, generate

TINY = Scale("tiny", areas=30, depots=4)


@pytest.fixture
def planned(ctx: Any) -> dict[str, Any]:
    """The tiny instance built, one incident over all of it, and its first plan."""
    problem = generate(TINY, seed=5)
    world = build_world(ctx, problem, seed=5)
    ctx.commit()
    code = declare_over(ctx, world, reach_km(problem, TINY.nearest))
    number = allocation.make_plan(ctx, code)
    plan = allocation.get_plan(ctx, code, number)
    return {"problem": problem, "world": world, "plan": plan}


def test_the_plan_asks_for_what_the_instance_demands_item_by_item(
        ctx: Any, planned: dict[str, Any]) -> None:
    demand: dict[str, int] = defaultdict(int)
    for area in planned["problem"].areas:
        for item, quantity in area.demand.items():
            demand[item] += quantity
    required = dict(ctx.execute(
        select(Item.code, func.sum(PlanLine.required)).join(Item, Item.id == PlanLine.item_id)
        .where(PlanLine.plan_id == planned["plan"].id).group_by(Item.code)).all())
    assert set(required) == set(demand)  # no item beyond the instance's (no mobile toilets)
    for item, quantity in demand.items():
        assert required[item] == pytest.approx(quantity, rel=0.03), item


def test_every_grid_of_the_instance_gets_plan_lines(ctx: Any, planned: dict[str, Any]) -> None:
    with_lines = set(ctx.scalars(
        select(Area.code).join(PlanLine, PlanLine.area_id == Area.id)
        .where(PlanLine.plan_id == planned["plan"].id)))
    assert with_lines == set(planned["world"].grids)
    assert len(with_lines) == TINY.areas


def test_the_depots_hold_the_instance_stock(ctx: Any, planned: dict[str, Any]) -> None:
    from app.models import StockLot

    held = dict(ctx.execute(select(Item.code, func.sum(StockLot.on_hand))
                            .join(Item, Item.id == StockLot.item_id).group_by(Item.code)).all())
    stock: dict[str, int] = defaultdict(int)
    for depot in planned["problem"].depots:
        for item, quantity in depot.stock.items():
            stock[item] += quantity
    assert held == stock
