"""The timetable planner page: a year of required drills placed by CP-SAT, then created.

Preview solves and shows the timetable; the "Create" button posts it back as a signed token
(who asked, the options and the drills). Creating rebuilds the problem from the database and
re-checks the drills against it (drills.validate) before writing anything: a token that was
changed, is old, belongs to someone else, or no longer fits the drills now planned is refused.
"""
from __future__ import annotations

from datetime import date, time
from typing import Any

from babel.dates import get_day_names
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.areas.models import Area
from app.core import db
from app.core.clock import district_today
from app.core.errors import DomainError
from app.core.vocabulary import AreaLevel, Hazard
from app.drills import planner
from app.drills.enums import DrillForm, ExerciseType
from app.web import locale
from app.web.common import my_prefix, require
from app.web.forms import attach, choices

bp = Blueprint("planner_web", __name__, template_folder="templates")

SALT = "readygrid-drill-plan"
TOKEN_MAX_AGE = 24 * 3600  # a preview older than a day is planned again
FLOOD_SEASON_HINT = "2027-06-01..2027-09-30"


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PlannerForm(FlaskForm):
    start = DateField(_l("First day"), validators=[InputRequired()])
    end = DateField(_l("Last day"), validators=[InputRequired()])
    weekdays = MultiCheckboxField(_l("Allowed weekdays"), coerce=int,
                                  validators=[DataRequired(_l("Choose at least one weekday."))])
    blackout = TextAreaField(
        _l("Blackout dates"), validators=[Optional(), Length(max=8000)],
        description=_l("One date or range per line, e.g. the flood season: "
                       "2027-06-01..2027-09-30. No drill is placed on these days."))
    communities = MultiCheckboxField(_l("Communities"),
                                     validators=[DataRequired(_l("Choose at least one "
                                                                 "community."))])
    max_per_street_per_day = IntegerField(_l("Drills per street per day, at most"),
                                          validators=[InputRequired(),
                                                      NumberRange(min=1, max=50)])
    min_gap_days = IntegerField(_l("Days between a community's drills, at least"),
                                validators=[InputRequired(), NumberRange(min=0, max=366)])
    team_max_per_month = IntegerField(_l("Drills per team per month, at most (empty: no limit)"),
                                      validators=[Optional(), NumberRange(min=1, max=31)])
    exercise_type = SelectField(_l("Exercise type"), validators=[DataRequired()])
    form = SelectField(_l("Form"), validators=[DataRequired()])
    hazard = SelectField(_l("Hazard"), validators=[DataRequired()])
    start_time = TimeField(_l("Start time"), format=["%H:%M", "%H:%M:%S"],
                           validators=[InputRequired()])
    duration_minutes = IntegerField(_l("Duration (minutes)"),
                                    validators=[InputRequired(), NumberRange(min=15, max=720)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=150)],
                        description=_l("{community} becomes the community's name."))


class CreateForm(FlaskForm):
    schedule = HiddenField(validators=[DataRequired()])


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=SALT)


def _places() -> list[Area]:
    return list(db.session().scalars(select(Area).where(
        Area.level == AreaLevel.COMMUNITY, Area.path.startswith(my_prefix()))
        .order_by(Area.code)))


def _form(formdata: Any = None, data: dict[str, Any] | None = None) -> PlannerForm:
    """The planner form: the posted values, `data`, or the policy defaults."""
    lang, d = locale(), planner.defaults()
    places = _places()
    if data is None:
        year = district_today().year + 1
        data = {"start": date(year, 1, 1), "end": date(year, 12, 31),
                "weekdays": d["weekdays"], "communities": [p.code for p in places],
                "max_per_street_per_day": d["max_per_street_per_day"],
                "min_gap_days": d["min_gap_days"], "team_max_per_month": d["team_max_per_month"],
                "exercise_type": d["exercise_type"], "form": d["form"], "hazard": d["hazard"],
                "start_time": time.fromisoformat(d["start_time"]),
                "duration_minutes": d["duration_minutes"],
                "title": _("{community} emergency drill")}
    form = PlannerForm(formdata=formdata, data=data)
    days = get_day_names("wide", locale=get_locale())
    form.weekdays.choices = [(i, days[i]) for i in range(7)]
    form.communities.choices = [(p.code, f"{p.code} {p.name(lang)}") for p in places]
    form.exercise_type.choices = choices(ExerciseType, lang)
    form.form.choices = choices(DrillForm, lang)
    form.hazard.choices = choices(Hazard, lang)
    return form


def _options(form: PlannerForm) -> dict[str, Any]:
    """What the problem is built from (JSON-safe, for the token)."""
    return {"start": form.start.data.isoformat(), "end": form.end.data.isoformat(),
            "weekdays": sorted(form.weekdays.data), "blackout": form.blackout.data or "",
            "communities": list(form.communities.data),
            "max_per_street_per_day": form.max_per_street_per_day.data,
            "min_gap_days": form.min_gap_days.data,
            "team_max_per_month": form.team_max_per_month.data}


def _drill_fields(form: PlannerForm) -> dict[str, Any]:
    return {"exercise_type": form.exercise_type.data, "form": form.form.data,
            "hazard": form.hazard.data, "start_time": form.start_time.data.strftime("%H:%M"),
            "duration_minutes": form.duration_minutes.data, "title": form.title.data.strip()}


def _build(options: dict[str, Any]) -> planner.Draft:
    return planner.build(
        db.session(), start=date.fromisoformat(options["start"]),
        end=date.fromisoformat(options["end"]), weekdays=options["weekdays"],
        blackout=planner.parse_blackout(options["blackout"]),
        communities=options["communities"],
        max_per_street_per_day=options["max_per_street_per_day"],
        min_gap_days=options["min_gap_days"],
        team_max_per_month=options["team_max_per_month"])


@bp.route("/drills/plan", methods=["GET", "POST"])
def index() -> str | tuple[str, int]:
    require("drills")
    if request.method == "GET":
        return render_template("drills/planner.html", form=_form(), preview=None,
                               create=None)
    form = _form(request.form)
    if form.validate():
        try:
            draft = _build(_options(form))
        except DomainError as exc:
            attach(form, exc)
        else:
            table = planner.solve(draft.problem)
            return render_template("drills/planner.html", form=form,
                                   preview=_preview(draft, table),
                                   create=_create_form(form, table))
    return render_template("drills/planner.html", form=form, preview=None, create=None), 422


def _create_form(form: PlannerForm, table: Any) -> CreateForm | None:
    if table.status == "infeasible" or not table.drills:
        return None
    token = _serializer().dumps({
        "user": current_user.username, "options": _options(form), "drill": _drill_fields(form),
        "drills": [[d.community, d.date, d.team] for d in table.drills]})
    return CreateForm(formdata=None, schedule=token)


def _preview(draft: planner.Draft, table: Any) -> dict[str, Any]:
    lang = locale()
    names = {n.code: n.name(lang) for n in draft.needs}
    streets = {n.code: n.street for n in draft.needs}
    team = {code: (zh if lang == "zh" or not en else en)
            for code, (zh, en) in draft.team_names.items()}
    days = get_day_names("abbreviated", locale=get_locale())
    rows = [{"community": d.community, "name": names.get(d.community, d.community),
             "street": streets.get(d.community, ""), "date": date.fromisoformat(d.date),
             "weekday": days[date.fromisoformat(d.date).weekday()], "team": d.team,
             "team_name": team.get(d.team, d.team)}
            for d in sorted(table.drills, key=lambda r: (r.community, r.date))]
    months = planner.by_month(table, draft.problem)
    top = max((n for _m, n in months), default=0)
    return {"status": table.status, "reason": planner.explain(table.reason, draft.problem),
            "rows": rows, "needs": draft.needs, "without_team": draft.without_team,
            "requirement": draft.requirement, "lang": lang,
            "months": [{"label": format_date(m, "MMM"), "title": format_date(m, "yyyy-MM"),
                        "n": n} for m, n in months], "top": top,
            "missing": sum(n.missing for n in draft.needs),
            "existing": sum(n.existing for n in draft.needs)}


@bp.post("/drills/plan/create")
def create() -> Response | tuple[str, int]:
    require("drills")
    sent = CreateForm()
    payload = _payload(sent)
    if payload is None:
        return redirect(url_for(".index"))
    options, fields = payload["options"], payload["drill"]
    form = _form(formdata=None, data=_form_data(options, fields))
    try:
        draft = _build(options)
        codes = planner.create_drills(
            db.session(), payload["drills"], problem=draft.problem,
            exercise_type=fields["exercise_type"], form=fields["form"], hazard=fields["hazard"],
            start_time=time.fromisoformat(fields["start_time"]),
            duration_minutes=fields["duration_minutes"], title=fields["title"],
            lang=locale())
    except DomainError as exc:
        form.form_errors.append(exc.detail)
        return render_template("drills/planner.html", form=form, preview=None,
                               create=None), 422
    flash(_("%(n)s drills created (%(first)s to %(last)s). They are planned: confirm each one "
            "with its community.", n=len(codes), first=codes[0], last=codes[-1]), "ok")
    first = min(d[1] for d in payload["drills"])  # the calendar opens on the first new drill
    return redirect(url_for("drills_web.calendar", month=first[:7]))


def _payload(sent: CreateForm) -> dict[str, Any] | None:
    """The signed preview, or None (with a message) when it cannot be trusted."""
    if not sent.validate():
        flash(_("The preview was not sent: preview the plan again."), "error")
        return None
    try:
        payload = _serializer().loads(sent.schedule.data, max_age=TOKEN_MAX_AGE)
    except BadSignature:
        flash(_("The previewed timetable was changed or is too old: preview the plan again."),
              "error")
        return None
    if not isinstance(payload, dict) or payload.get("user") != current_user.username:
        flash(_("This preview was made by someone else: preview the plan again."), "error")
        return None
    return payload


def _form_data(options: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    return {**options, **fields, "start": date.fromisoformat(options["start"]),
            "end": date.fromisoformat(options["end"]),
            "start_time": time.fromisoformat(fields["start_time"])}
