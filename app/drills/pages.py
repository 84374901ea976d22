"""Drill pages: calendar, drill form, record form, compliance, corrective-action board."""
from __future__ import annotations

import calendar as cal
import re
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app.areas.models import Area
from app.core import db
from app.core.downloads import download
from app.core.errors import Conflict, DomainError, ValidationFailed
from app.core.vocabulary import AreaLevel, Hazard
from app.drills import actions as action_svc
from app.drills import records as drill_records
from app.drills import scope
from app.drills import services as drill_svc
from app.drills.enums import (
    DISCUSSION_BASED,
    DrillForm,
    DrillScope,
    DrillStatus,
    ExerciseType,
    Poete,
)
from app.drills.forms import (
    REPEATS,
    CorrectiveActionForm,
    ExerciseForm,
    PlanDrillForm,
    repeat_choices,
)
from app.drills.models import Drill
from app.drills.seeds import evaluation_aspects
from app.incidents import page_views as views
from app.resources.levels import district_of
from app.resources.models import Team
from app.web import locale
from app.web.common import may, require
from app.web.forms import choices

bp = Blueprint("drills_web", __name__, template_folder="templates")


LIST_DAYS = 90


ACTION_DUE_DAYS = 30


BLANK_EVENTS, BLANK_MEASURES, BLANK_RATINGS = 5, 2, 3


@bp.context_processor
def _planner_link() -> dict[str, Any]:
    """The planner page (another blueprint) once it exists."""
    if "planner_web.index" in current_app.view_functions:
        return {"planner_url": url_for("planner_web.index")}
    return {"planner_url": None}


def _area_in_scope(code: str | None) -> Area | None:
    return scope.area_filter(db.session(), code)


def _team_in_scope(code: str | None) -> Team | None:
    return scope.team_filter(db.session(), code)


def _areas() -> list[Area]:
    return scope.plannable_areas(db.session())


def _teams() -> list[Team]:
    return scope.teams(db.session())


def _area_label(area: Area, lang: str) -> str:
    return f"{area.name(lang)} {area.code}"


_active_members = scope.active_members

# The text of the button that moves a drill to a status (the moves: drill_svc.allowed_moves).
MOVE_TEXT = {DrillStatus.CONFIRMED: _l("Confirm"), DrillStatus.CANCELLED: _l("Cancel"),
             DrillStatus.PLANNED: _l("Plan again")}


def _status_forms_allowed(drill: Drill) -> list[tuple[str, str]]:
    """The status buttons a drill offers: (new status, button text)."""
    return [(new.value, _("Back to planned") if drill.status is DrillStatus.CONFIRMED
             and new is DrillStatus.PLANNED else str(MOVE_TEXT[new]))
            for new in drill_svc.allowed_moves(drill)]


def aspect_labels() -> dict[str, str]:
    """The Art. 23 evaluation aspects (app/seeds/drills.toml) in the page's language."""
    lang = locale()
    return {a.key: a.label(lang) for a in evaluation_aspects()}


def _local(moment: datetime) -> datetime:
    return moment.astimezone(drill_svc.local_tz())


def _mmss(seconds: int | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds // 60}:{seconds % 60:02d}"


def _today() -> date:
    return datetime.now(drill_svc.local_tz()).date()


@bp.get("/drills")
def calendar() -> str:
    session = db.session()
    lang = locale()
    today = _today()
    area = _area_in_scope(request.args.get("area"))
    team = _team_in_scope(request.args.get("team"))
    view = "list" if request.args.get("view") == "list" else "month"
    try:
        first = datetime.strptime(request.args.get("month") or "", "%Y-%m").date()
    except ValueError:
        first = today.replace(day=1)
    if view == "list":
        start, end = today, today + timedelta(days=LIST_DAYS)
    else:
        start = first - timedelta(days=first.weekday())
        last = first.replace(day=cal.monthrange(first.year, first.month)[1])
        end = last + timedelta(days=6 - last.weekday())
    found = drill_svc.between(session, start, end, area=area, team=team, include_cancelled=True)
    days: dict[date, list[Drill]] = {}
    for drill in found:
        days.setdefault(drill_svc.local_date(drill.starts_at), []).append(drill)
    weeks = [[start + timedelta(days=7 * w + d) for d in range(7)]
             for w in range(((end - start).days + 1) // 7)] if view == "month" else []
    counted = [d for d in found if view == "list" or d.starts_at.astimezone(
        drill_svc.local_tz()).month == first.month]
    counts = Counter(d.status.value for d in counted)
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    filters = {k: v for k, v in (("area", area.code if area else None),
                                 ("team", team.code if team else None)) if v}
    return render_template(
        "drills/calendar.html", view=view, weeks=weeks, days=days, first=first, today=today,
        drills=found, counts=counts, statuses=list(DrillStatus), filters=filters,
        prev_month=prev_month.strftime("%Y-%m"), next_month=next_month.strftime("%Y-%m"),
        this_month=today.strftime("%Y-%m"), month=first.strftime("%Y-%m"),
        month_title=_month_title(first, lang), weekdays=_weekdays(),
        areas=[(a.code, _area_label(a, lang)) for a in _areas()],
        teams=[(t.code, f"{t.name(lang)} {t.code}") for t in _teams()],
        area=area, team=team, writable=may("drills"),
        ical_area=area.code if area else session.get_one(Area, current_user.area_id).code,
        local=_local)


def _month_title(first: date, lang: str) -> str:
    return f"{first.year}年{first.month}月" if lang == "zh" else first.strftime("%B %Y")


def _weekdays() -> list[str]:
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


@bp.get("/drills/calendar.ics")
def ical() -> Response:
    """The drills of an area or a team as an iCalendar file for phone calendars."""
    try:
        from app.drills import ical as ical_svc
    except ImportError:  # pragma: no cover - the calendar export is not installed
        abort(404)
    area = _area_in_scope(request.args.get("area"))
    team = _team_in_scope(request.args.get("team"))
    if request.args.get("area") and area is None or request.args.get("team") and team is None:
        abort(404)
    body = ical_svc.calendar(db.session(), area=area.code if area else None,
                             team=team.code if team else None, lang=locale(),
                             base_url=request.url_root)
    name = team.code if team else (area.code if area else "all")
    return download(body, f"readygrid-drills-{name}.ics", "text/calendar")


def _plan_form(drill: Drill | None = None) -> PlanDrillForm:
    session = db.session()
    lang = locale()
    me = session.get_one(Area, current_user.area_id)
    areas = _areas()
    if request.method == "GET" and drill is None:
        area = _area_in_scope(request.args.get("area")) or me
        try:
            day = date.fromisoformat(request.args.get("date") or "")
        except ValueError:
            day = _today() + timedelta(days=14)
        wanted_form = request.args.get("form")
        form = PlanDrillForm(
            exercise_type="drill", scope="single", hazard="fire", area=area.code,
            form=wanted_form if wanted_form in {f.value for f in DrillForm} else "",
            date=day, start_time=time(9, 0), duration_minutes=90, times=4,
            teams=[t.code for t in _teams() if t.home_area_id == area.id]
            if area.level in (AreaLevel.COMMUNITY, AreaLevel.GRID) else [])
    elif request.method == "GET" and drill is not None:
        start = _local(drill.starts_at)
        form = PlanDrillForm(
            title=drill.title, exercise_type=drill.exercise_type.value, form=drill.form.value,
            scope=drill.scope.value, hazard=drill.hazard.value, area=drill.area.code,
            plan=drill.plan.code if drill.plan else "", objectives="\n".join(drill.objectives),
            date=start.date(), start_time=start.time().replace(second=0, microsecond=0),
            duration_minutes=int((drill.ends_at - drill.starts_at).total_seconds() // 60),
            venue_shelter=drill.venue_shelter.code if drill.venue_shelter else "",
            venue_address=drill.venue_address, director=drill.director,
            teams=[t.code for t in drill.teams],
            expected_participants=drill.expected_participants, notes=drill.notes)
    else:
        form = PlanDrillForm()
    form.exercise_type.choices = [(t.value, t.label(lang)) for t in ExerciseType]
    form.form.choices = [("", _("Match the exercise type")),
                         *[(f.value, f.label(lang)) for f in DrillForm]]
    form.scope.choices = choices(DrillScope, lang)
    form.hazard.choices = choices(Hazard, lang)
    area_choices = [(a.code, _area_label(a, lang)) for a in areas]
    if drill is not None and drill.area.code not in {c for c, _t in area_choices}:
        area_choices.append((drill.area.code, _area_label(drill.area, lang)))
    form.area.choices = area_choices
    plans = scope.linkable_plans(session)
    form.plan.choices = [("", _("None")), *[(p.code, f"{p.title(lang)} {p.code}")
                                            for p in plans]]
    shelters = scope.venue_shelters(session)
    form.venue_shelter.choices = [("", _("None: type an address")),
                                  *[(s.code, f"{s.name(lang)} {s.code}") for s in shelters]]
    form.teams.choices = [(t.code, f"{t.name(lang)} {t.code} · "
                           + _("%(n)s members", n=_active_members(t))) for t in _teams()]
    if drill is not None:
        have = {c for c, _t in form.teams.choices}
        form.teams.choices += [(t.code, f"{t.name(lang)} {t.code}") for t in drill.teams
                               if t.code not in have]
    form.repeat.choices = repeat_choices()
    return form


FIELD_OF = {"starts_at": "date", "ends_at": "duration_minutes", "status": None}


def _attach(form: FlaskForm, exc: DomainError) -> None:
    """A service error beside the form field it names (some service names differ)."""
    name = FIELD_OF.get(exc.field or "", exc.field) if exc.field else None
    field = getattr(form, name, None) if name else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*list(field.errors or []), exc.detail]
    else:
        form.form_errors.append(exc.detail)


def _drill_data(form: PlanDrillForm) -> dict[str, Any]:
    kind = ExerciseType(form.exercise_type.data) if form.exercise_type.data in {
        t.value for t in ExerciseType} else None
    shape = form.form.data or (
        (DrillForm.TABLETOP if kind in DISCUSSION_BASED else DrillForm.LIVE).value
        if kind else "")
    teams = form.teams.data or []
    expected = form.expected_participants.data
    if expected is None:
        expected = scope.expected_participants(db.session(), teams)
    return {"title": form.title.data, "exercise_type": form.exercise_type.data, "form": shape,
            "scope": form.scope.data, "hazard": form.hazard.data, "area": form.area.data,
            "plan": form.plan.data or None,
            "objectives": [x.strip() for x in (form.objectives.data or "").splitlines()],
            "starts_at": datetime.combine(form.date.data, form.start_time.data),
            "duration_minutes": form.duration_minutes.data,
            "venue_shelter": form.venue_shelter.data or None,
            "venue_address": form.venue_address.data or "", "teams": teams,
            "director": form.director.data or "",
            "expected_participants": expected, "notes": form.notes.data or ""}


def _rrule(form: PlanDrillForm) -> str | None:
    """The recurrence typed or picked; None (with an error on the form) when it is unclear."""
    typed = (form.rrule.data or "").strip()
    if typed:
        return typed
    base = REPEATS.get(form.repeat.data or "")
    if base is None:
        return ""
    if not form.times.data:
        form.times.errors = [*form.times.errors, _("How many times? 2 or more.")]
        return None
    return f"{base};COUNT={form.times.data}"


@bp.route("/drills/new", methods=["GET", "POST"])
def new() -> str | Response | tuple[str, int]:
    require("drills")
    form = _plan_form()
    if request.method == "POST":
        if form.validate():
            rule = _rrule(form)
            if rule is not None:
                try:
                    codes = drill_svc.create(db.session(), {**_drill_data(form), "rrule": rule})
                except DomainError as exc:
                    _attach(form, exc)
                else:
                    flash(_("%(n)s drills planned, from %(first)s to %(last)s.", n=len(codes),
                            first=codes[0], last=codes[-1]) if len(codes) > 1 else
                          _("1 drill planned: %(code)s.", code=codes[0]), "ok")
                    return redirect(url_for(".drill", code=codes[0]))
        return render_template("drills/form.html", form=form, drill=None), 422
    return render_template("drills/form.html", form=form, drill=None)


@bp.route("/drills/<code>/edit", methods=["GET", "POST"])
def edit(code: str) -> str | Response | tuple[str, int]:
    require("drills")
    drill = drill_svc.load(db.session(), code)
    form = _plan_form(drill)
    if request.method == "POST":
        if form.validate():
            try:
                drill_svc.update(db.session(), code, _drill_data(form))
            except DomainError as exc:
                _attach(form, exc)
            else:
                flash(_("Drill %(code)s saved.", code=code), "ok")
                return redirect(url_for(".drill", code=code))
        return render_template("drills/form.html", form=form, drill=drill), 422
    return render_template("drills/form.html", form=form, drill=drill)


def _action_form(drill: Drill) -> CorrectiveActionForm:
    form = CorrectiveActionForm(prefix="action", due_on=_today() + timedelta(days=ACTION_DUE_DAYS),
                                owner=current_user.display_name or current_user.username)
    form.element.choices = choices(Poete, locale())
    return form


def _exercise_form(drill: Drill) -> ExerciseForm:
    session = db.session()
    form = ExerciseForm(prefix="exercise", level=4)
    district = district_of(session, drill.area)
    form.level.choices = views.level_choices(views.levels_of(session, district.id), locale())
    return form


@bp.get("/drills/<code>")
def drill(code: str) -> str:
    return render_template("drills/detail.html", **_drill_page(code))


def _drill_page(code: str, **forms: Any) -> dict[str, Any]:
    session = db.session()
    found = drill_svc.load(session, code)
    series = drill_svc.series_of(session, found)
    record = found.record
    measures = []
    if record is not None:
        for m in record.measures:
            top = max(m.target_seconds, m.actual_seconds, 1)
            measures.append({"m": m, "target_pct": round(100 * m.target_seconds / top),
                             "actual_pct": round(100 * m.actual_seconds / top)})
    writable = may("drills")
    return {
        "drill": found, "series": series if len(series) > 1 else [], "record": record,
        "measures": measures, "aspects": aspect_labels(), "mmss": _mmss, "local": _local,
        "status_buttons": _status_forms_allowed(found) if writable else [],
        "writable": writable, "actions_writable": may("actions"),
        "open_drill": drill_svc.editable(found),
        "members": {t.code: _active_members(t) for t in found.teams},
        "forms": {"action": _action_form(found), "exercise": _exercise_form(found), **forms},
        "today": _today()}


@bp.post("/drills/<code>/status")
def set_status(code: str) -> Response:
    require("drills")
    status = request.form.get("status", "")
    session = db.session()
    try:
        if request.form.get("series") == "1" and status == DrillStatus.CANCELLED.value:
            later = len(drill_svc.cancel_rest_of_series(session, code)) - 1
        else:
            drill_svc.set_status(session, code, status)
            later = 0
    except (ValidationFailed, Conflict) as exc:
        flash(exc.detail, "error")
    else:
        flash(_("Drill %(code)s is now %(status)s.", code=code,
                status=DrillStatus(status).label(locale())) + (
            " " + _("%(n)s later dates of the series were cancelled too.", n=later)
            if later else ""), "ok")
    return redirect(url_for(".drill", code=code))


@bp.post("/drills/<code>/actions")
def add_action(code: str) -> Response | tuple[str, int]:
    require("actions")
    session = db.session()
    found = drill_svc.load(session, code)
    form = _action_form(found)
    if form.validate():
        try:
            new_code = action_svc.create(session, {
                "drill": code, "title": form.title.data, "element": form.element.data,
                "owner": form.owner.data, "due_on": form.due_on.data,
                "capability": form.capability.data or "",
                "flags_plan": bool(form.flags_plan.data)}, today=_today())
        except DomainError as exc:
            _attach(form, exc)
        else:
            flash(_("Corrective action %(code)s added.", code=new_code), "ok")
            return redirect(url_for(".drill", code=code, _anchor="actions"))
    return render_template("drills/detail.html", **_drill_page(code, action=form)), 422


@bp.post("/drills/<code>/exercise")
def exercise(code: str) -> Response | tuple[str, int]:
    require("drills")
    session = db.session()
    form = _exercise_form(drill_svc.load(session, code))
    if form.validate():
        try:
            incident, number = drill_records.run_exercise(session, code, form.level.data)
        except DomainError as exc:
            flash(exc.detail, "error")
        else:
            flash(_("Exercise incident %(code)s is running with plan %(n)s: no stock is "
                    "reserved or issued.", code=incident, n=number), "ok")
        return redirect(url_for(".drill", code=code, _anchor="exercise"))
    return render_template("drills/detail.html", **_drill_page(code, exercise=form)), 422


TIME_RE = re.compile(r"^\s*(\d{1,2})[:：.](\d{2})\s*$")


SERVICE_ROWS = {"attendance": ("att", {"team": "team", "expected": "expected",
                                       "present": "present", "member": "team"}),
                "events": ("ev", {"at": "time", "text": "text"}),
                "measures": ("ms", {"name": "name", "target_seconds": "target",
                                    "actual_seconds": "actual"}),
                "ratings": ("rt", {"capability": "capability", "rating": "rating"})}


FORM_FIELD = {"evaluation": None, "strengths": "strengths", "improvements": "improvements",
              "complete": "complete"}


_MOVES = action_svc.QUICK_MOVES  # the quick buttons of a card
