"""Needs from planning norms (pure, no database)."""
from __future__ import annotations

import pytest

from optimizer.needs import Norm, People, days_covered, needs, norm_need

PEOPLE = People(population=1000, households=400,
                groups={"infants": 30, "elderly_alone": 40, "chronically_ill": 80})


def test_daily_per_person_norm_scales_with_people_and_days() -> None:
    water = Norm("WATER", 15)
    assert norm_need(water, PEOPLE, 3) == 45_000


def test_per_n_people_norm_rounds_up_to_whole_units() -> None:
    toilets = Norm("TOILET", 1, basis="people_n", people_n=50, period="event")
    assert norm_need(toilets, People(1001), 10) == 21  # 1001 / 50 -> 21 toilets, any duration


def test_household_norm_counts_households() -> None:
    assert norm_need(Norm("TORCH", 1, basis="household", period="event"), PEOPLE, 3) == 400


def test_monthly_norm_is_prorated_by_days() -> None:
    soap = Norm("SOAP", 1.8, period="month")
    assert norm_need(soap, People(100), 15) == pytest.approx(90)


def test_group_norm_counts_only_that_group_and_is_all_priority() -> None:
    formula = Norm("FORMULA", 0.2, group="infants")
    need = needs([formula], PEOPLE, 5)["FORMULA"]
    assert need.total == 30  # 30 infants x 0.2 x 5 days
    assert need.priority == need.total


def test_general_norm_gives_vulnerable_share_as_priority() -> None:
    need = needs([Norm("WATER", 3)], PEOPLE, 1)["WATER"]
    assert need.total == 3000
    assert need.priority == 450  # (30 + 40 + 80) / 1000 of the need


def test_event_only_items_have_no_daily_need() -> None:
    need = needs([Norm("TENT", 1, basis="people_n", people_n=3, period="event")], PEOPLE, 3)
    assert need["TENT"].per_day is None
    assert days_covered(100, need["TENT"].per_day) is None


def test_days_covered_divides_stock_by_daily_need() -> None:
    need = needs([Norm("WATER", 3)], People(1000), 1)["WATER"]
    assert days_covered(9000, need.per_day) == pytest.approx(3.0)
