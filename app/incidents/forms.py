"""Forms of the incident pages (Flask-WTF: CSRF on every one)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput


class DeclareForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    hazard = SelectField(_l("Hazard"), validators=[DataRequired()])
    level = SelectField(_l("Response level"), coerce=int, validators=[InputRequired()])
    areas = TextAreaField(_l("Or type area codes"), validators=[Optional(), Length(max=20000)],
                          description=_l("One per line or separated by commas; a community "
                                         "code adds the whole community. Optionally follow a "
                                         "code with affected and displaced people: "
                                         "S01-C01-G01 200 40"))
    duration_days = IntegerField(_l("Days to supply"), default=3,
                                 validators=[InputRequired(), NumberRange(min=1, max=60)])
    max_distance_km = FloatField(_l("Furthest depot (km, empty: the usual 30 km)"),
                                 validators=[Optional(), NumberRange(min=0.5, max=500)])
    exercise = BooleanField(_l("Exercise (drill): no stock is reserved or issued"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])


class AreasForm(FlaskForm):
    areas = TextAreaField(_l("One area per line: code, then affected and displaced people "
                             "(optional)"), validators=[DataRequired(), Length(max=20000)])


class IncidentLevelForm(FlaskForm):
    level = SelectField(_l("New response level"), coerce=int, validators=[InputRequired()])


class RouteForm(FlaskForm):
    depot = SelectField(_l("Depot"), validators=[DataRequired()])
    area = SelectField(_l("Affected area"), validators=[DataRequired()])
    kind = SelectField(_l("Rule"), validators=[DataRequired()])  # pinned or forbidden


class ReleaseReserveForm(FlaskForm):
    depot = SelectField(_l("Depot"), validators=[Optional()])  # "": every depot
    reason = StringField(_l("Why"), validators=[DataRequired(), Length(max=500)])


class RouteRemoveForm(FlaskForm):
    depot = HiddenField(validators=[DataRequired()])
    area = HiddenField(validators=[DataRequired()])
    kind = HiddenField(validators=[DataRequired()])


class ConfirmPlanForm(FlaskForm):
    plan = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class SitrepForm(FlaskForm):
    """A situation report for the incident log (the service checks the same rules again)."""

    text = TextAreaField(_l("What happened"), validators=[DataRequired(), Length(max=4000)])
    area = SelectField(_l("Area"), validators=[Optional()])
    affected = IntegerField(_l("Affected"), validators=[Optional(), NumberRange(0, 10_000_000)])
    evacuated = IntegerField(_l("Evacuated"),
                             validators=[Optional(), NumberRange(0, 10_000_000)])
    injured = IntegerField(_l("Injured"), validators=[Optional(), NumberRange(0, 1_000_000)])
    missing = IntegerField(_l("Missing persons"),
                           validators=[Optional(), NumberRange(0, 1_000_000)])
    dead = IntegerField(_l("Dead"), validators=[Optional(), NumberRange(0, 1_000_000)])
    photo = FileField(_l("Photo (JPEG, PNG or WebP, at most 5 MB)"))
