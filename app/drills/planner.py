"""The drill planner: a year of required community drills, placed by CP-SAT, then created.

`build` turns the database into a `drills.timetable.TimetableProblem`: every community in the
actor's scope (or the ones chosen) needs the drills its active community requirement asks for
over the horizon, less the drills already planned, confirmed or done there; its teams are the
ones based in the community or its grids, then its street's teams. `solve` runs the pure
generator with a time limit; `explain` puts its reason in the reader's language;
`create_drills` re-checks a timetable against a freshly built problem (drills.validate) and
writes all of its drills in one transaction, or none.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.areas.models import Area
from app.core.access import require_writer
from app.core.db import unit_of_work
from app.core.errors import ValidationFailed
from app.core.fields import enum_field
from app.core.i18n import _
from app.core.lookup import actor, scoped_by_code
from app.core.vocabulary import AreaLevel, Hazard
from app.drills import services as drills
from app.drills.enums import DrillForm, DrillScope, DrillStatus, DrillUnit, ExerciseType
from app.drills.models import Drill, DrillRequirement
from app.resources.enums import TeamKind
from app.resources.models import Team
from drills import timetable
from drills.validate import violations

MAX_DAYS = 3 * 366  # a plan longer than three years is a typo (like a drill series)
MAX_LINES = 200  # blackout lines
KIND_ORDER = {TeamKind.VOLUNTEER: 0, TeamKind.COMMAND: 1, TeamKind.RESCUE: 2}
COUNTED = (DrillStatus.PLANNED, DrillStatus.CONFIRMED, DrillStatus.DONE)


def defaults() -> dict[str, Any]:
    """The planner's policy defaults (app/seeds/drills.toml [planner], each with a source)."""
    return {key: entry["value"] for key, entry in drills.settings()["planner"].items()}


@dataclass(frozen=True)
class Need:
    """One community's share of the plan, for the page."""

    code: str
    name_zh: str
    name_en: str
    street: str
    required: int  # over the horizon, by the requirement (or as asked)
    existing: int  # drills already planned, confirmed or done in the horizon
    teams: tuple[str, ...]

    @property
    def missing(self) -> int:
        return max(self.required - self.existing, 0)

    def name(self, lang: str = "zh") -> str:
        return self.name_zh if lang.startswith("zh") or not self.name_en else self.name_en


@dataclass(frozen=True)
class Draft:
    """The problem and what the page says about it."""

    problem: timetable.TimetableProblem
    needs: list[Need]
    requirement: DrillRequirement | None
    team_names: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def without_team(self) -> list[Need]:
        """Communities that need drills but have no team to run them (never dropped)."""
        return [n for n in self.needs if n.missing and not n.teams]


# --- inputs -------------------------------------------------------------------------------

def parse_blackout(text: str | None) -> frozenset[date]:
    """One date or range per line: 2027-10-01 or 2027-06-01..2027-09-30 (inclusive)."""
    out: set[date] = set()
    lines = [(i, line.split("#", 1)[0].strip()) for i, line in
             enumerate((text or "").splitlines(), 1)]
    lines = [(i, line) for i, line in lines if line]
    if len(lines) > MAX_LINES:
        raise ValidationFailed(_("At most %(n)s blackout lines.", n=MAX_LINES), field="blackout")
    for number, line in lines:
        parts = [p.strip() for p in line.split("..")]
        try:
            if len(parts) not in (1, 2):
                raise ValueError
            first = date.fromisoformat(parts[0])
            last = date.fromisoformat(parts[-1])
        except ValueError:
            raise ValidationFailed(_("Line %(n)s: '%(text)s' is not a date (YYYY-MM-DD) or a "
                                     "range (YYYY-MM-DD..YYYY-MM-DD).", n=number, text=line),
                                   field="blackout") from None
        if last < first:
            raise ValidationFailed(_("Line %(n)s: the range ends before it starts.", n=number),
                                   field="blackout")
        if (last - first).days > MAX_DAYS:
            raise ValidationFailed(_("Line %(n)s: the range is longer than %(days)s days.",
                                     n=number, days=MAX_DAYS), field="blackout")
        out.update(first + timedelta(days=k) for k in range((last - first).days + 1))
    return frozenset(out)


def months_between(start: date, end: date) -> float:
    """Calendar months from start to end inclusive (2027-01-01..2027-12-31 is 12)."""
    span = relativedelta(end + timedelta(days=1), start)
    tail = end + timedelta(days=1) - (start + relativedelta(years=span.years, months=span.months))
    return float(span.years * 12 + span.months + tail.days / 30.4375)


def community_requirement(session: Session) -> DrillRequirement | None:
    """The active rule for communities (the strictest one when there are several)."""
    reqs = session.scalars(select(DrillRequirement).where(
        DrillRequirement.active.is_(True), DrillRequirement.unit == DrillUnit.COMMUNITY)).all()
    return max(reqs, key=lambda r: (r.min_drills / r.every_months, r.code), default=None)


def drills_needed(req: DrillRequirement, start: date, end: date) -> int:
    """ceil(months in the horizon × min_drills / every_months)."""
    return math.ceil(months_between(start, end) * req.min_drills / req.every_months - 1e-9)


def _check(start: date, end: date, weekdays: Iterable[int], max_per_street_per_day: int,
           min_gap_days: int, team_max_per_month: int | None) -> frozenset[int]:
    if end < start:
        raise ValidationFailed(_("The plan ends before it starts."), field="end")
    if (end - start).days >= MAX_DAYS:
        raise ValidationFailed(_("A plan covers at most %(days)s days.", days=MAX_DAYS),
                               field="end")
    days = frozenset(int(d) for d in weekdays)
    if not days or not days <= set(range(7)):
        raise ValidationFailed(_("Choose at least one weekday."), field="weekdays")
    if max_per_street_per_day < 1:
        raise ValidationFailed(_("A whole number, 1 or more."), field="max_per_street_per_day")
    if not 0 <= min_gap_days <= 366:
        raise ValidationFailed(_("Between 0 and 366 days."), field="min_gap_days")
    if team_max_per_month is not None and team_max_per_month < 1:
        raise ValidationFailed(_("A whole number, 1 or more."), field="team_max_per_month")
    return days


# --- the problem --------------------------------------------------------------------------

def build(session: Session, *, start: date, end: date, weekdays: Iterable[int],
          blackout: Iterable[date] = (), communities: Sequence[str] | None = None,
          drills_per_community: int | None = None, max_per_street_per_day: int = 1,
          min_gap_days: int = 0, team_max_per_month: int | None = None) -> Draft:
    """The timetable problem for the communities in scope, with what the page shows."""
    days = _check(start, end, weekdays, max_per_street_per_day, min_gap_days,
                  team_max_per_month)
    req = community_requirement(session)
    if drills_per_community is None:
        if req is None:
            raise ValidationFailed(_("No active drill requirement for communities: activate "
                                     "one on the requirements page or give the number of "
                                     "drills."), field="communities")
        required = drills_needed(req, start, end)
    elif drills_per_community < 0:
        raise ValidationFailed(_("A whole number, 0 or more."), field="drills_per_community")
    else:
        required = drills_per_community
    places = _communities(session, communities)
    existing = _existing(session, places, start, end, req.form if req else None)
    teams = session.scalars(select(Team).options(selectinload(Team.home_area))).all()
    needs, rows, used = [], [], {}
    for place in places:
        street = place.parent
        assert street is not None  # a community hangs under a street
        own = [t for t in teams if t.home_area.path.startswith(place.path)]
        near = [t for t in teams if t.home_area_id == street.id]
        order = sorted(own, key=_team_key) + sorted(near, key=_team_key)
        codes = tuple(t.code for t in order)
        used.update({t.code: (t.name_zh, t.name_en) for t in order})
        need = Need(place.code, place.name_zh, place.name_en, street.code, required,
                    existing.get(place.code, 0), codes)
        needs.append(need)
        rows.append(timetable.Community(place.code, street.code, need.missing, min_gap_days,
                                        codes))
    problem = timetable.TimetableProblem(
        start, end, rows, [timetable.DrillTeam(code, team_max_per_month) for code in used],
        days, frozenset(blackout), max_per_street_per_day)
    return Draft(problem, needs, req, used)


def build_problem(session: Session, *, start: date, end: date, weekdays: Iterable[int],
                  blackout: Iterable[date] = (), communities: Sequence[str] | None = None,
                  drills_per_community: int | None = None, max_per_street_per_day: int = 1,
                  min_gap_days: int = 0, team_max_per_month: int | None = None
                  ) -> timetable.TimetableProblem:
    """`build` without the page's extras: just the TimetableProblem."""
    return build(session, start=start, end=end, weekdays=weekdays, blackout=blackout,
                 communities=communities, drills_per_community=drills_per_community,
                 max_per_street_per_day=max_per_street_per_day, min_gap_days=min_gap_days,
                 team_max_per_month=team_max_per_month).problem


def _team_key(team: Team) -> tuple[int, str]:
    return KIND_ORDER.get(team.kind, 9), team.code


def _communities(session: Session, codes: Sequence[str] | None) -> list[Area]:
    load = select(Area).options(selectinload(Area.parent)).where(
        Area.level == AreaLevel.COMMUNITY)
    if codes is None:
        return list(session.scalars(load.where(Area.path.startswith(actor().area_path))
                                    .order_by(Area.code)))
    if not codes:
        raise ValidationFailed(_("Choose at least one community."), field="communities")
    places = [scoped_by_code(session, Area, code, "communities") for code in dict.fromkeys(codes)]
    for place in places:
        if place.level is not AreaLevel.COMMUNITY:
            raise ValidationFailed(_("%(code)s is not a community.", code=place.code),
                                   field="communities")
    return sorted(places, key=lambda a: a.code)


def _existing(session: Session, places: list[Area], start: date, end: date,
              form: DrillForm | None) -> dict[str, int]:
    """Drills already planned, confirmed or done per community (or its grids) in the horizon."""
    tz = drills.local_tz()
    lo = datetime(start.year, start.month, start.day, tzinfo=tz).astimezone(UTC)
    hi = (datetime(end.year, end.month, end.day, tzinfo=tz) + timedelta(days=1)).astimezone(UTC)
    stmt = (select(Area.path, Drill.form).join(Area, Area.id == Drill.area_id)
            .where(Drill.starts_at >= lo, Drill.starts_at < hi, Drill.status.in_(COUNTED)))
    found: dict[str, int] = {}
    for path, drill_form in session.execute(stmt):
        if form is not None and drill_form is not form:
            continue
        for place in places:
            if path.startswith(place.path):
                found[place.code] = found.get(place.code, 0) + 1
    return found


# --- solving and explaining --------------------------------------------------------------

def solve(problem: timetable.TimetableProblem, time_limit_s: float | None = None
          ) -> timetable.Timetable:
    if not any(c.drills for c in problem.communities):
        return timetable.Timetable("optimal", [])  # nothing left to place
    limit = float(time_limit_s if time_limit_s is not None else defaults()["time_limit_s"])
    return timetable.solve(problem, timetable.TimetableParams(time_limit_s=limit))


_SPAN = r"between (?P<start>\S+) and (?P<end>\S+)"


def _rule(label: str, n: str) -> str:
    words = {timetable.RULE_LABELS["street"].format(n=n):
             _("at most %(n)s drill(s) a street a day", n=n),
             timetable.RULE_LABELS["team_daily"]: _("each team at most one drill a day"),
             timetable.RULE_LABELS["team_monthly"]: _("each team's monthly limit"),
             timetable.RULE_LABELS["gaps"]: _("the minimum gap between a community's drills")}
    return words.get(label, label)


def explain(reason: str | None, problem: timetable.TimetableProblem) -> str:
    """The generator's reason in the reader's language (the English text if unknown)."""
    if not reason:
        return ""
    n = str(problem.max_per_street_per_day)
    patterns: list[tuple[str, Any]] = [
        (rf"no allowed day {_SPAN}:", lambda m: _(
            "There is no allowed day between %(start)s and %(end)s: every day falls on a "
            "weekday not allowed or on a blackout date.", **m)),
        (r"community (?P<code>\S+) lists no team$", lambda m: _(
            "Community %(code)s has no team: add a team based in the community, one of its "
            "grids or its street, or leave the community out.", **m)),
        (rf"community (?P<code>\S+) needs (?P<n>\d+) drills (?P<gap>\d+) days apart but only "
         rf"(?P<fit>\d+) fit {_SPAN}", lambda m: _(
             "Community %(code)s needs %(n)s drills %(gap)s days apart, but only %(fit)s fit "
             "between %(start)s and %(end)s on the allowed weekdays outside blackout dates: "
             "shorten the minimum gap, allow more weekdays or remove blackout dates.", **m)),
        (rf"community (?P<code>\S+) needs (?P<n>\d+) drills but its teams (?P<teams>.+) can do "
         rf"at most (?P<cap>\d+) {_SPAN}", lambda m: _(
             "Community %(code)s needs %(n)s drills, but its teams %(teams)s can do at most "
             "%(cap)s between %(start)s and %(end)s (one a day, within the monthly limit): "
             "raise the team monthly limit or allow more days.", **m)),
        (rf"street (?P<street>\S+) needs (?P<n>\d+) drills but at most (?P<cap>\d+) a day on "
         rf"(?P<days>\d+) allowed days {_SPAN} makes room for (?P<room>\d+)", lambda m: _(
             "Street %(street)s needs %(n)s drills, but at most %(cap)s a day on %(days)s "
             "allowed days between %(start)s and %(end)s makes room for only %(room)s: allow "
             "more drills per street per day or more days.", **m)),
        (rf"communities served only by team\(s\) (?P<teams>.+) need (?P<n>\d+) drills but "
         rf"(?:that team|those teams) can do at most (?P<cap>\d+) {_SPAN}", lambda m: _(
             "The communities served only by %(teams)s need %(n)s drills, but these teams can "
             "do at most %(cap)s between %(start)s and %(end)s (one a day, within the monthly "
             "limit): raise the team monthly limit or allow more days.", **m)),
        (r"the rule that blocks is (?P<rule>.+): without it a timetable exists$", lambda m: _(
            "The rule that blocks is: %(rule)s. Without it a timetable exists; relax it and "
            "preview again.", rule=_rule(m["rule"], n))),
        (r"the rules that block are (?P<rules>.+): without any one of them a timetable exists$",
         lambda m: _("The rules that block are: %(rules)s. Relaxing any one of them makes a "
                     "timetable possible.", rules="; ".join(
                         _rule(r, n) for r in m["rules"].split("; or ")))),
        (r"no timetable meets all the rules; which rule blocks was not found", lambda m: _(
            "No timetable meets all the rules; which rule blocks was not found in the time "
            "limit. Plan fewer communities at once or relax a rule.")),
        (r"no timetable meets all the rules, and relaxing any single rule does not help",
         lambda m: _("No timetable meets all the rules, and relaxing any single rule does not "
                     "help: relax several (more days, more drills per street, a shorter gap).")),
        (r"no timetable found within the time limit", lambda m: _(
            "No timetable was found within the time limit; it is not proven impossible. Plan "
            "fewer communities at once or relax a rule.")),
    ]
    for pattern, words in patterns:
        match = re.match(pattern, reason)
        if match:
            return str(words(match.groupdict()))
    return reason


def by_month(table: timetable.Timetable, problem: timetable.TimetableProblem
             ) -> list[tuple[date, int]]:
    """Drills per calendar month of the horizon (every month, empty ones too)."""
    counts: dict[tuple[int, int], int] = {}
    for d in table.drills:
        day = date.fromisoformat(d.date)
        counts[day.year, day.month] = counts.get((day.year, day.month), 0) + 1
    out, month = [], date(problem.start.year, problem.start.month, 1)
    while month <= problem.end:
        out.append((month, counts.get((month.year, month.month), 0)))
        month += relativedelta(months=1)
    return out


# --- writing ------------------------------------------------------------------------------

def create_drills(session: Session, table: timetable.Timetable | Sequence[Any], *,
                  problem: timetable.TimetableProblem, exercise_type: str, form: str,
                  hazard: str, start_time: time, duration_minutes: int, title: str,
                  lang: str = "zh") -> list[str]:
    """Create every drill of the timetable (teams attached) in one transaction; their codes.

    The timetable is checked against `problem` (built afresh from the database) first: a
    schedule that breaks any rule, or misses or adds a drill, writes nothing.
    """
    require_writer("drills")
    rows = [r if isinstance(r, timetable.ScheduledDrill) else timetable.ScheduledDrill(*r)
            for r in (table.drills if isinstance(table, timetable.Timetable) else table)]
    if isinstance(table, timetable.Timetable) and table.status == "infeasible":
        raise ValidationFailed(_("There is no timetable to create."), field="schedule")
    if not rows:
        raise ValidationFailed(_("The timetable holds no drill: nothing to create."),
                               field="schedule")
    broken = violations(problem, rows)
    if broken:
        raise ValidationFailed(_("The timetable no longer fits the rules or the drills "
                                 "already planned (%(n)s problem(s), first: %(first)s). "
                                 "Preview again.", n=len(broken), first=broken[0]),
                               field="schedule")
    kind = enum_field(ExerciseType, exercise_type, "exercise_type")
    shape = enum_field(DrillForm, form, "form")
    danger = enum_field(Hazard, hazard, "hazard")
    drills._check_fit({"exercise_type": kind, "form": shape})
    if not 1 <= int(duration_minutes) <= 24 * 60:
        raise ValidationFailed(_("Between 1 and 1440 minutes."), field="duration_minutes")
    if not str(title or "").strip():
        raise ValidationFailed(_("A drill needs a title."), field="title")
    span, tz, who = timedelta(minutes=int(duration_minutes)), drills.local_tz(), actor().label
    rows.sort(key=lambda r: (r.date, r.community))
    with unit_of_work(session):
        places = {a.code: a for a in session.scalars(
            select(Area).where(Area.code.in_({r.community for r in rows})))}
        crews = {t.code: t for t in session.scalars(
            select(Team).where(Team.code.in_({r.team for r in rows})))}
        codes: list[str] = []
        for year in sorted({r.date[:4] for r in rows}):
            codes += drills.next_drill_codes(session, int(year),
                                        sum(r.date.startswith(year) for r in rows))
        for code, row in zip(codes, rows, strict=True):
            place = places.get(row.community)
            crew = crews.get(row.team)
            if place is None or crew is None:
                raise ValidationFailed(_("No %(noun)s with code '%(code)s'.",
                                         noun=_("area") if place is None else _("team"),
                                         code=row.community if place is None else row.team),
                                       field="schedule")
            local = datetime.combine(date.fromisoformat(row.date), start_time, tzinfo=tz)
            starts = local.astimezone(UTC)
            drill = Drill(code=code, title=_title(title, place, lang), exercise_type=kind,
                          form=shape, scope=DrillScope.SINGLE, unit=DrillUnit.COMMUNITY,
                          hazard=danger, area_id=place.id, starts_at=starts,
                          ends_at=starts + span, created_by=who,
                          notes=_("Planned with the drill planner."))
            drill.teams = [crew]
            session.add(drill)
        session.flush()
        return codes


def _title(template: str, place: Area, lang: str) -> str:
    name = place.name_zh if lang.startswith("zh") or not place.name_en else place.name_en
    text = template.strip().replace("{community}", name).replace("{code}", place.code)
    return text[:200]
