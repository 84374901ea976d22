"""Drill timetables: every hard rule kept (checked by an independent validator), drills spread
evenly, and over-constrained inputs answered `infeasible` with the rule that blocks."""
from __future__ import annotations

import copy
import random
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest

from drills.timetable import (
    Calendar,
    Community,
    DrillTeam,
    Timetable,
    TimetableParams,
    TimetableProblem,
    greedy,
    ideal_gap,
    solve,
)

EXAMPLE: dict[str, Any] = {
    "start": "2027-01-01", "end": "2027-12-31", "weekdays": [5, 6], "blackout": ["2027-02-05"],
    "max_per_street_per_day": 1,
    "communities": [{"code": "C1", "street": "S1", "drills": 4, "min_gap_days": 60,
                     "teams": ["T1", "T2"]}],
    "teams": [{"code": "T1", "max_per_month": 4}]}


def problem_from(data: dict[str, Any]) -> TimetableProblem:
    return TimetableProblem(
        date.fromisoformat(data["start"]), date.fromisoformat(data["end"]),
        [Community(c["code"], c["street"], c["drills"], c.get("min_gap_days", 0),
                   tuple(c.get("teams", []))) for c in data["communities"]],
        [DrillTeam(t["code"], t.get("max_per_month")) for t in data.get("teams", [])],
        frozenset(data.get("weekdays", range(7))),
        frozenset(date.fromisoformat(d) for d in data.get("blackout", [])),
        data.get("max_per_street_per_day", 1))


def plan(data: dict[str, Any], seconds: float = 10.0) -> Timetable:
    return solve(problem_from(data), TimetableParams(time_limit_s=seconds))


def broken_rules(data: dict[str, Any], drills: list[dict[str, str]]) -> list[str]:
    """Every hard rule the drills break, worked out from the input JSON alone."""
    start, end = date.fromisoformat(data["start"]), date.fromisoformat(data["end"])
    weekdays = set(data.get("weekdays", range(7)))
    blackout = set(data.get("blackout", []))
    cap = data.get("max_per_street_per_day", 1)
    limits = {t["code"]: t.get("max_per_month") for t in data.get("teams", [])}
    community = {c["code"]: c for c in data["communities"]}
    wrong = []
    dates: dict[str, list[date]] = {code: [] for code in community}
    per_street: Counter[tuple[str, str]] = Counter()
    per_team_day: Counter[tuple[str, str]] = Counter()
    per_team_month: Counter[tuple[str, str]] = Counter()
    for d in drills:
        c, day = community[d["community"]], date.fromisoformat(d["date"])
        if not start <= day <= end:
            wrong.append(f"{d} outside {start}..{end}")
        if day.weekday() not in weekdays:
            wrong.append(f"{d} on weekday {day.weekday()}")
        if d["date"] in blackout:
            wrong.append(f"{d} on a blackout date")
        if d["team"] not in c["teams"]:
            wrong.append(f"{d}: not one of {c['teams']}")
        dates[c["code"]].append(day)
        per_street[c["street"], d["date"]] += 1
        per_team_day[d["team"], d["date"]] += 1
        per_team_month[d["team"], d["date"][:7]] += 1
    for code, days in dates.items():
        days.sort()
        if len(days) != community[code]["drills"]:
            wrong.append(f"{code}: {len(days)} drills, needs {community[code]['drills']}")
        gap = max(community[code].get("min_gap_days", 0), 1)
        pairs = zip(days, days[1:], strict=False)
        wrong += [f"{code}: {a} to {b} under {gap} days" for a, b in pairs if (b - a).days < gap]
    wrong += [f"street {k}: {n}" for k, n in per_street.items() if n > cap]
    wrong += [f"team {k}: {n} a day" for k, n in per_team_day.items() if n > 1]
    wrong += [f"team {k}: {n} a month" for (t, m), n in per_team_month.items()
              if limits.get(t) is not None and n > limits[t] for k in [(t, m)]]
    return wrong


def rows(result: Timetable) -> list[dict[str, str]]:
    return [{"community": d.community, "date": d.date, "team": d.team} for d in result.drills]


def gaps(result: Timetable, code: str) -> list[int]:
    days = sorted(date.fromisoformat(d.date) for d in result.drills if d.community == code)
    return [(b - a).days for a, b in zip(days, days[1:], strict=False)]


def test_the_example_keeps_every_rule_and_lands_a_quarter_apart() -> None:
    result = plan(EXAMPLE)
    assert result.status == "optimal" and result.reason is None
    assert len(result.drills) == 4
    assert broken_rules(EXAMPLE, rows(result)) == []
    assert all(77 <= g <= 105 for g in gaps(result, "C1")), gaps(result, "C1")


def test_a_team_missing_from_the_team_list_has_no_monthly_limit() -> None:
    data = copy.deepcopy(EXAMPLE)
    data["communities"][0]["teams"] = ["T9"]
    result = plan(data)
    assert result.status == "optimal" and {d.team for d in result.drills} == {"T9"}


def test_two_drills_a_year_land_about_half_a_year_apart() -> None:
    data = copy.deepcopy(EXAMPLE)
    data["communities"][0].update(drills=2, min_gap_days=30)
    [gap] = gaps(plan(data), "C1")
    assert 168 <= gap <= 196


def random_instance(seed: int) -> dict[str, Any]:
    """A few months, some weekdays, blackouts, streets and teams: roomy enough to be feasible."""
    rng = random.Random(seed)
    start = date(2027, 1, 1) + timedelta(days=rng.randint(0, 200))
    end = start + timedelta(days=rng.randint(120, 365))
    weekdays = sorted(rng.sample(range(7), rng.randint(2, 4)))
    blackout = sorted({(start + timedelta(days=rng.randint(0, (end - start).days))).isoformat()
                       for _ in range(rng.randint(0, 12))})
    teams = [{"code": f"T{i}", "max_per_month": rng.randint(2, 5)}
             for i in range(rng.randint(4, 10))]
    communities = [{"code": f"C{i}", "street": f"S{rng.randint(1, 4)}",
                    "drills": rng.randint(1, 4), "min_gap_days": rng.choice([7, 14, 21, 30]),
                    "teams": [t["code"] for t in rng.sample(teams, rng.randint(1, 3))]}
                   for i in range(rng.randint(5, 25))]
    return {"start": start.isoformat(), "end": end.isoformat(), "weekdays": weekdays,
            "blackout": blackout, "max_per_street_per_day": rng.randint(1, 2),
            "communities": communities, "teams": teams}


@pytest.mark.parametrize("seed", range(12))
def test_random_instances_keep_every_rule(seed: int) -> None:
    data = random_instance(seed)
    result = plan(data, seconds=5)
    assert result.status in ("optimal", "feasible"), result.reason
    assert broken_rules(data, rows(result)) == []


@pytest.mark.parametrize("seed", [1, 2, 3, 8])
def test_the_solver_spreads_drills_at_least_as_evenly_as_the_greedy(seed: int) -> None:
    problem = problem_from(random_instance(seed))
    cal = Calendar(problem)
    hint = greedy(problem, cal, spread=True)
    assert hint is not None
    ideal = {c.code: ideal_gap(c, cal) for c in problem.communities}
    by_greedy = [(problem.communities[ci].code, cal.date(day).isoformat()) for ci, day, _ in hint]
    result = plan(random_instance(seed), seconds=5)
    by_solver = [(d.community, d.date) for d in result.drills]
    assert deviation(by_solver, ideal) <= deviation(by_greedy, ideal)


def deviation(drills: list[tuple[str, str]], ideal: dict[str, int]) -> int:
    """Days by which each community's gaps miss its ideal gap, in total."""
    days: dict[str, list[date]] = {}
    for code, day in drills:
        days.setdefault(code, []).append(date.fromisoformat(day))
    return sum(abs((b - a).days - ideal[code]) for code, seen in days.items()
               for a, b in zip(sorted(seen), sorted(seen)[1:], strict=False))


def test_a_tight_instance_uses_every_slot() -> None:
    # January 2027's ten weekend days, one street, five communities with two drills a week
    # apart, two teams with five drills a month each: every day and every team slot is used
    data = {"start": "2027-01-01", "end": "2027-01-31", "weekdays": [5, 6],
            "max_per_street_per_day": 1,
            "communities": [{"code": f"C{i}", "street": "S1", "drills": 2, "min_gap_days": 7,
                             "teams": ["T1", "T2"]} for i in range(5)],
            "teams": [{"code": "T1", "max_per_month": 5}, {"code": "T2", "max_per_month": 5}]}
    result = plan(data)
    assert result.status in ("optimal", "feasible")
    assert broken_rules(data, rows(result)) == []
    assert len({d.date for d in result.drills}) == 10


def january(communities: list[dict[str, Any]], teams: list[dict[str, Any]] | None = None,
            **extra: Any) -> dict[str, Any]:
    return {"start": "2027-01-01", "end": "2027-01-31", "weekdays": [5, 6],
            "max_per_street_per_day": 1, "communities": communities, "teams": teams or [],
            **extra}


def c(code: str, street: str, drills: int, gap: int, teams: list[str]) -> dict[str, Any]:
    return {"code": code, "street": street, "drills": drills, "min_gap_days": gap,
            "teams": teams}


OVER_CONSTRAINED = [
    pytest.param({**EXAMPLE, "end": "2027-03-31"},
                 "community C1 needs 4 drills 60 days apart but only 2 fit between 2027-01-01 "
                 "and 2027-03-31", id="gaps-do-not-fit"),
    pytest.param(january([c("C1", "S1", 1, 0, [])]), "community C1 lists no team",
                 id="no-team"),
    pytest.param(january([c("C1", "S1", 1, 0, ["T1"])], blackout=[
        "2027-01-02", "2027-01-03", "2027-01-09", "2027-01-10", "2027-01-16", "2027-01-17",
        "2027-01-23", "2027-01-24", "2027-01-30", "2027-01-31"]), "no allowed day",
                 id="all-blacked-out"),
    pytest.param(january([c(f"C{i}", "S1", 3, 1, [f"T{i}"]) for i in range(4)]),
                 "street S1 needs 12 drills but at most 1 a day on 10 allowed days",
                 id="street-count"),
    pytest.param(january([c("C1", "S1", 1, 0, ["T1"]), c("C2", "S2", 1, 0, ["T1"])],
                         [{"code": "T1", "max_per_month": 1}]),
                 "communities served only by team(s) T1 need 2 drills but that team can do "
                 "at most 1", id="team-month-count"),
    pytest.param(january([c("C1", "S1", 3, 1, ["T1"])], [{"code": "T1", "max_per_month": 2}]),
                 "community C1 needs 3 drills but its teams T1 can do at most 2",
                 id="community-team-count"),
    # counts pass; the model shows the street rule blocks (both must drill on 2 and 31 Jan)
    pytest.param(january([c("C1", "S1", 2, 29, ["T1"]), c("C2", "S1", 2, 29, ["T2"])]),
                 "at most 1 drill(s) per street per day", id="street-in-model"),
    pytest.param(january([c("C1", "S1", 2, 29, ["T1"]), c("C2", "S2", 2, 29, ["T1"])]),
                 "each team at most one drill a day", id="team-daily-in-model"),
    pytest.param(january([c("C1", "S1", 1, 0, ["T1", "T2"]), c("C2", "S2", 1, 0, ["T1"]),
                          c("C3", "S3", 1, 0, ["T2"])],
                         [{"code": "T1", "max_per_month": 1},
                          {"code": "T2", "max_per_month": 1}]),
                 "each team's monthly limit", id="team-monthly-in-model"),
]


@pytest.mark.parametrize(("data", "rule"), OVER_CONSTRAINED)
def test_an_over_constrained_input_is_infeasible_naming_the_rule(data: dict[str, Any],
                                                                 rule: str) -> None:
    result = plan(data, seconds=5)
    assert result.status == "infeasible" and result.drills == []
    assert result.reason is not None and rule in result.reason, result.reason
