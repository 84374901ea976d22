"""Counts that show a drill timetable cannot exist, and a check of a timetable against the rules.

`blocking_reason` runs before the model: each test is a necessary condition with a message a
coordinator can act on. `violations` re-checks a finished timetable rule by rule, from the
problem alone (not the model), for the benchmark and as a guard.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from drills.problem import Calendar, Community, ScheduledDrill, TimetableProblem, gap_of


def blocking_reason(problem: TimetableProblem, cal: Calendar) -> str | None:
    """The first simple count that rules every timetable out, or None."""
    span = f"between {problem.start.isoformat()} and {problem.end.isoformat()}"
    needed = [c for c in problem.communities if c.drills > 0]
    if needed and not cal.allowed:
        return f"no allowed day {span}: every day is on a weekday not allowed or a blackout date"
    for c in needed:
        if not c.teams:
            return f"community {c.code} lists no team"
        fit = _chain_fit(cal, c)
        if fit < c.drills:
            return (f"community {c.code} needs {c.drills} drills {gap_of(c)} days apart but only "
                    f"{fit} fit {span} on the allowed weekdays outside blackout dates")
        capacity = sum(_team_capacity(cal, t) for t in dict.fromkeys(c.teams))
        if capacity < c.drills:
            return (f"community {c.code} needs {c.drills} drills but its teams "
                    f"{', '.join(dict.fromkeys(c.teams))} can do at most {capacity} {span} "
                    "(one a day, within their monthly limits)")
    return _street_reason(problem, cal, needed, span) or _team_reason(problem, cal, needed, span)


def _chain_fit(cal: Calendar, c: Community) -> int:
    """How many drills at least the gap apart fit on the allowed days (first fit is best)."""
    fit, day = 0, cal.first_from(0)
    while day is not None and fit < c.drills:
        fit += 1
        day = cal.first_from(day + gap_of(c))
    return fit


def _team_capacity(cal: Calendar, team: str) -> int:
    """Drills a team can do over the horizon: one a day, at most its limit each month."""
    per_month = Counter(cal.month[o] for o in cal.allowed)
    limit = cal.limits.get(team)
    return sum(n if limit is None else min(n, limit) for n in per_month.values())


def _street_reason(problem: TimetableProblem, cal: Calendar, needed: list[Community],
                   span: str) -> str | None:
    need = Counter[str]()
    for c in needed:
        need[c.street] += c.drills
    room = problem.max_per_street_per_day * len(cal.allowed)
    for street, n in need.items():
        if n > room:
            return (f"street {street} needs {n} drills but at most "
                    f"{problem.max_per_street_per_day} a day on {len(cal.allowed)} allowed days "
                    f"{span} makes room for {room}")
    return None


def _team_reason(problem: TimetableProblem, cal: Calendar, needed: list[Community],
                 span: str) -> str | None:
    """Communities served only by the same set of teams cannot need more than it can do."""
    need = Counter[frozenset[str]]()
    for c in needed:
        need[frozenset(c.teams)] += c.drills
    for teams, n in need.items():
        capacity = sum(_team_capacity(cal, t) for t in teams)
        if n > capacity:
            names = ", ".join(sorted(teams))
            return (f"communities served only by team(s) {names} need {n} drills but "
                    f"{'that team' if len(teams) == 1 else 'those teams'} can do at most "
                    f"{capacity} {span} (one a day, within the monthly limit)")
    return None


def violations(problem: TimetableProblem, drills: Sequence[ScheduledDrill]) -> list[str]:
    """Every hard rule the timetable breaks, one line each (empty: none)."""
    found: list[str] = []
    communities = {c.code: c for c in problem.communities}
    limits = {t.code: t.max_per_month for t in problem.teams}
    by_community: dict[str, list[date]] = {}
    street_day, team_day = Counter[tuple[str, date]](), Counter[tuple[str, date]]()
    team_month = Counter[tuple[str, int, int]]()
    for d in drills:
        day, c = date.fromisoformat(d.date), communities.get(d.community)
        if c is None:
            found.append(f"{d.community}: unknown community")
            continue
        if not problem.start <= day <= problem.end:
            found.append(f"{c.code} on {day}: outside the horizon")
        if day.weekday() not in problem.weekdays or day in problem.blackout:
            found.append(f"{c.code} on {day}: not an allowed day")
        if d.team not in c.teams:
            found.append(f"{c.code} on {day}: team {d.team} is not one of its teams")
        by_community.setdefault(c.code, []).append(day)
        street_day[c.street, day] += 1
        team_day[d.team, day] += 1
        team_month[d.team, day.year, day.month] += 1
    for c in problem.communities:
        days = sorted(by_community.get(c.code, []))
        if len(days) != c.drills:
            found.append(f"{c.code}: {len(days)} drills instead of {c.drills}")
        found += [f"{c.code}: {a} and {b} are closer than {gap_of(c)} days"
                  for a, b in zip(days, days[1:], strict=False) if (b - a).days < gap_of(c)]
    found += [f"street {s} on {day}: {n} drills" for (s, day), n in street_day.items()
              if n > problem.max_per_street_per_day]
    found += [f"team {t} on {day}: {n} drills" for (t, day), n in team_day.items() if n > 1]
    found += [f"team {t} in {y}-{m:02d}: {n} drills" for (t, y, m), n in team_month.items()
              if limits.get(t) is not None and n > (limits[t] or 0)]
    return found
