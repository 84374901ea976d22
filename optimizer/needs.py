"""Needs from planning norms: people x norm x days, split into priority (vulnerable) and rest."""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

DAYS_PER_MONTH = 30.0
ALL = "all"


@dataclass(frozen=True)
class People:
    """Who lives in (or is displaced from) an area."""

    population: int
    households: int = 0
    groups: Mapping[str, int] = field(default_factory=dict)  # vulnerable kind -> persons

    def count(self, group: str) -> int:
        return self.population if group == ALL else int(self.groups.get(group, 0))


@dataclass(frozen=True)
class Norm:
    """Quantity of an item per basis (person / household / people_n) per period."""

    item: str
    quantity: float
    basis: str = "person"
    period: str = "day"
    people_n: int | None = None
    group: str = ALL
    source: str = ""


@dataclass(frozen=True)
class Need:
    item: str
    total: float
    priority: float  # the part that serves vulnerable residents
    per_day: float | None  # None when every norm for the item is per event
    sources: tuple[str, ...]


def _units(norm: Norm, people: People) -> float:
    """How many basis units the norm applies to."""
    persons = people.count(norm.group)
    if norm.basis == "household":
        if norm.group == ALL:
            return float(people.households)
        size = people.population / people.households if people.households else 1.0
        return persons / max(size, 1.0)
    if norm.basis == "people_n":
        return math.ceil(persons / (norm.people_n or 1)) if persons else 0.0
    return float(persons)


def norm_need(norm: Norm, people: People, days: float) -> float:
    """The quantity one norm asks for, over `days` (event norms ignore the duration)."""
    base = norm.quantity * _units(norm, people)
    if norm.period == "day":
        return base * days
    if norm.period == "month":
        return base * days / DAYS_PER_MONTH
    return base


def needs(norms: Iterable[Norm], people: People, days: float) -> dict[str, Need]:
    """Aggregate needs per item, rounded up to whole units."""
    total: dict[str, float] = {}
    priority: dict[str, float] = {}
    daily: dict[str, float | None] = {}
    sources: dict[str, list[str]] = {}
    share = vulnerable_share(people)
    for norm in norms:
        amount = norm_need(norm, people, days)
        total[norm.item] = total.get(norm.item, 0.0) + amount
        # Group norms serve vulnerable people only; general norms serve them pro rata.
        served = amount if norm.group != ALL else amount * share
        priority[norm.item] = priority.get(norm.item, 0.0) + served
        if norm.period != "event":
            per_day = norm_need(norm, people, 1.0)
            daily[norm.item] = (daily.get(norm.item) or 0.0) + per_day
        else:
            daily.setdefault(norm.item, None)
        sources.setdefault(norm.item, []).append(norm.source)
    return {item: Need(item, float(math.ceil(total[item] - 1e-9)),
                       float(math.ceil(priority.get(item, 0.0) - 1e-9)), daily[item],
                       tuple(dict.fromkeys(sources[item])))
            for item in total}


def vulnerable_share(people: People) -> float:
    """Share of the population that is vulnerable (kinds may overlap, so capped at 1)."""
    if not people.population:
        return 0.0
    return min(sum(people.groups.values()) / people.population, 1.0)


def days_covered(available: float, per_day: float | None) -> float | None:
    """Days of need the stock covers; None if the item has no daily need."""
    if per_day is None or per_day <= 0:
        return None
    return available / per_day
