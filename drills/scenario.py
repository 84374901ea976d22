"""The JSON input of `readygrid drills plan`, read into a `drills.timetable.TimetableProblem`
(every field checked; `BadScenario` names the field at fault)."""
from __future__ import annotations

from datetime import date
from typing import Any

from drills import timetable
from optimizer.scenario import BadScenario, nested, record, records, text, whole

MAX_DAYS = 3660  # ten years: longer horizons are not a drill timetable


def iso_date(value: Any, where: str) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise BadScenario(where, "must be a date YYYY-MM-DD")


def listed(check: Any) -> Any:
    def run(value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise BadScenario(where, "must be a list")
        return [check(v, f"{where}[{i}]") for i, v in enumerate(value)]
    return run


def weekday(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 6:
        raise BadScenario(where, "must be a weekday 0-6 (Monday = 0)")
    return value


def positive(value: Any, where: str) -> int:
    if whole(value, where) < 1:
        raise BadScenario(where, "must be a whole number ≥ 1")
    return int(value)


def read_plan(data: Any) -> timetable.TimetableProblem:
    """The drill timetable input: horizon, allowed days, communities and teams."""
    top = record(data, "", {"start": iso_date, "end": iso_date, "weekdays": listed(weekday),
                            "blackout": listed(iso_date), "max_per_street_per_day": positive,
                            "communities": nested, "teams": nested},
                 {"start", "end", "communities"})
    if top["end"] < top["start"]:
        raise BadScenario("end", f"must not be before start ({top['start'].isoformat()})")
    if (top["end"] - top["start"]).days >= MAX_DAYS:
        raise BadScenario("end", f"must be less than {MAX_DAYS} days after start")
    places = records(top["communities"], "communities",
                     {"code": text, "street": text, "drills": whole, "min_gap_days": whole,
                      "teams": listed(text)}, {"code", "street", "drills"})
    for i, c in enumerate(places):
        if c["drills"] > 366:
            raise BadScenario(f"communities[{i}].drills", "must be at most 366")
        if c.get("min_gap_days", 0) > MAX_DAYS:
            raise BadScenario(f"communities[{i}].min_gap_days", f"must be at most {MAX_DAYS}")
    crews = records(top.get("teams", []), "teams", {"code": text, "max_per_month": whole},
                    {"code"})
    return timetable.TimetableProblem(
        top["start"], top["end"],
        [timetable.Community(c["code"], c["street"], c["drills"], c.get("min_gap_days", 0),
                             tuple(c.get("teams", []))) for c in places],
        [timetable.DrillTeam(t["code"], t.get("max_per_month")) for t in crews],
        frozenset(top.get("weekdays", range(7))), frozenset(top.get("blackout", [])),
        top.get("max_per_street_per_day", 1))
