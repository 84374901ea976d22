"""Forms of the drill pages (Flask-WTF: CSRF on every one). Labels are translated lazily."""
from __future__ import annotations

from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.drills.seeds import Aspect, evaluation_aspects

# The simple recurrence picker: what each choice repeats as (RFC 5545, COUNT added).
REPEATS = {"monthly": "FREQ=MONTHLY", "quarterly": "FREQ=MONTHLY;INTERVAL=3",
           "half_yearly": "FREQ=MONTHLY;INTERVAL=6", "yearly": "FREQ=YEARLY"}


def repeat_choices() -> list[tuple[str, str]]:
    return [("", _l("Once (no repeat)")), ("monthly", _l("Every month")),
            ("quarterly", _l("Every 3 months")), ("half_yearly", _l("Every 6 months")),
            ("yearly", _l("Every year"))]


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes (teams to call)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: FlaskForm) -> None:  # unknown codes are the service's to say
        return None


class PlanDrillForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    exercise_type = SelectField(_l("Exercise type"), validators=[DataRequired()])
    form = SelectField(_l("Tabletop or live"), validators=[Optional()])
    scope = SelectField(_l("Single-function or comprehensive"), validators=[DataRequired()])
    hazard = SelectField(_l("Hazard"), validators=[DataRequired()])
    area = SelectField(_l("Area"), validators=[DataRequired()])
    plan = SelectField(_l("Contingency plan exercised (optional)"), validators=[Optional()])
    objectives = TextAreaField(_l("Objectives (one per line)"),
                               validators=[Optional(), Length(max=4000)])
    date = DateField(_l("Date"), validators=[InputRequired(message=_l("Choose the date."))])
    start_time = TimeField(_l("Start time"),
                           validators=[InputRequired(message=_l("Give the start time."))])
    duration_minutes = IntegerField(_l("Duration (minutes)"), validators=[
        InputRequired(), NumberRange(min=1, max=24 * 60)])
    venue_shelter = SelectField(_l("Venue: a shelter"), validators=[Optional()])
    venue_address = StringField(_l("Or an address"), validators=[Optional(), Length(max=300)])
    director = StringField(_l("Drill director (name and phone)"),
                           validators=[Optional(), Length(max=100)])
    teams = CheckboxesField(_l("Teams taking part"), validators=[Optional()])
    expected_participants = IntegerField(
        _l("Expected participants (empty: the teams' members)"),
        validators=[Optional(), NumberRange(min=0, max=100_000)])
    repeat = SelectField(_l("Repeat"), validators=[Optional()])
    times = IntegerField(_l("Number of times"), default=4,
                         validators=[Optional(), NumberRange(min=2, max=60)])
    rrule = StringField(_l("Advanced: RFC 5545 rule (overrides the repeat choice)"),
                        validators=[Optional(), Length(max=300)],
                        description=_l("For example FREQ=MONTHLY;BYDAY=2SA;COUNT=6 "
                                       "(the second Saturday of six months)"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])


class CorrectiveActionForm(FlaskForm):
    title = StringField(_l("What must be fixed"), validators=[DataRequired(), Length(max=300)])
    element = SelectField(_l("POETE element"), validators=[DataRequired()])
    owner = StringField(_l("Owner"), validators=[DataRequired(), Length(max=100)])
    due_on = DateField(_l("Due date"), validators=[InputRequired(message=_l("Choose the date."))])
    capability = StringField(_l("Capability (optional)"), validators=[Optional(), Length(max=200)])
    flags_plan = BooleanField(_l("The contingency plan must be revised"))


class ActionEditForm(CorrectiveActionForm):
    start_on = DateField(_l("Start date"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[DataRequired()])
    closing_note = TextAreaField(_l("What was done (needed to close the action)"),
                                 validators=[Optional(), Length(max=4000)])


class ExerciseForm(FlaskForm):
    level = SelectField(_l("Response level"), coerce=int, validators=[InputRequired()])


class RecordForm(FlaskForm):
    """The free-text parts of a record; the table rows are read from the request."""

    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=20000)])
    strengths = TextAreaField(_l("Strengths (one per line)"),
                              validators=[Optional(), Length(max=20000)])
    improvements = TextAreaField(_l("Areas for improvement (one per line)"),
                                 validators=[Optional(), Length(max=20000)])
    complete = BooleanField(_l("The drill was held: mark it done"))


def _aspect_label(aspect: Aspect) -> LazyString:
    return LazyString(lambda: aspect.label(str(get_locale() or "zh")[:2]))


for _aspect in evaluation_aspects():  # Art. 23 aspects, from app/seeds/drills.toml
    setattr(RecordForm, _aspect.key, TextAreaField(
        _aspect_label(_aspect), validators=[Optional(), Length(max=20000)]))


class RequirementForm(FlaskForm):
    every_months = IntegerField(_l("Every how many months"),
                                validators=[InputRequired(), NumberRange(min=1, max=120)])
    min_drills = IntegerField(_l("Drills needed in that time"),
                              validators=[InputRequired(), NumberRange(min=1, max=100)])
    form = SelectField(_l("Form that counts"), validators=[Optional()])
    area_codes = TextAreaField(_l("Areas holding such units (codes, one per line)"),
                               validators=[Optional(), Length(max=20000)])
    active = BooleanField(_l("Active"))
