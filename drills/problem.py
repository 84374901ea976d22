"""The drill timetable problem and its answer: frozen dataclasses, the calendar of allowed
days, and the spacing rules shared by the solver and the independent checks."""
from __future__ import annotations

import bisect
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True)
class Community:
    code: str
    street: str
    drills: int
    min_gap_days: int = 0
    teams: tuple[str, ...] = ()


@dataclass(frozen=True)
class DrillTeam:
    code: str
    max_per_month: int | None = None  # None: no monthly limit


@dataclass(frozen=True)
class TimetableProblem:
    start: date
    end: date
    communities: Sequence[Community]
    teams: Sequence[DrillTeam] = ()  # a community's team missing here has no monthly limit
    weekdays: frozenset[int] = frozenset(range(7))
    blackout: frozenset[date] = frozenset()
    max_per_street_per_day: int = 1


@dataclass(frozen=True)
class TimetableParams:
    time_limit_s: float = 10.0
    # CP-SAT's portfolio needs about 8 workers to include the subsolvers that prove optimality
    # fast; on 2 cores 8 workers proved small instances in < 1 s where 2 did not in 5 s
    workers: int = field(default_factory=lambda: max(8, os.cpu_count() or 1))


@dataclass(frozen=True)
class ScheduledDrill:
    community: str
    date: str  # ISO date
    team: str


@dataclass(frozen=True)
class Timetable:
    status: str  # "optimal", "feasible" or "infeasible"
    drills: list[ScheduledDrill]
    reason: str | None = None  # why no timetable, in a coordinator's words


class Calendar:
    """The allowed days as offsets from start, and the calendar month of every offset."""

    def __init__(self, problem: TimetableProblem) -> None:
        self.start, self.days = problem.start, (problem.end - problem.start).days + 1
        dates = [problem.start + timedelta(days=o) for o in range(max(self.days, 0))]
        self.month = [(d.year - problem.start.year) * 12 + d.month - problem.start.month
                      for d in dates]
        self.allowed = [o for o, d in enumerate(dates)
                        if d.weekday() in problem.weekdays and d not in problem.blackout]
        self.limits = {t.code: t.max_per_month for t in problem.teams}
        self.month_days: dict[int, tuple[int, int]] = {}  # month -> first and last offset
        for o, mo in enumerate(self.month):
            self.month_days[mo] = self.month_days.get(mo, (o, o))[0], o

    def date(self, offset: int) -> date:
        return self.start + timedelta(days=offset)

    def first_from(self, offset: int) -> int | None:
        i = bisect.bisect_left(self.allowed, offset)
        return self.allowed[i] if i < len(self.allowed) else None

    def last_until(self, offset: int) -> int | None:
        i = bisect.bisect_right(self.allowed, offset)
        return self.allowed[i - 1] if i > 0 else None

    def windows(self, c: Community, gap: int) -> list[tuple[int, int]] | None:
        """(earliest, latest) allowed offset of each drill in the chain; None if it does not fit."""
        early: list[int] = []
        for _ in range(c.drills):
            day = self.first_from(early[-1] + gap if early else 0)
            if day is None:
                return None
            early.append(day)
        late: list[int] = []
        for _ in range(c.drills):
            day = self.last_until(late[-1] - gap if late else self.days - 1)
            assert day is not None  # the forward chain fits, so the backward one does
            late.append(day)
        return list(zip(early, reversed(late), strict=True))


def gap_of(c: Community) -> int:
    """Two drills of one community never share a day, whatever the gap says."""
    return max(1, c.min_gap_days)


def ideal_gap(c: Community, cal: Calendar) -> int:
    return max(gap_of(c), round(cal.days / max(c.drills, 1)))
