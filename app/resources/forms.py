"""Forms of the shelter, team and response-level pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class OccupancyForm(FlaskForm):
    occupancy = IntegerField(_l("People in the shelter now"),
                             validators=[InputRequired(), NumberRange(min=0, max=1_000_000)])
    status = SelectField(_l("Status"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class MemberForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    role = StringField(_l("Role"), validators=[Optional(), Length(max=100)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    qualification = StringField(_l("Qualification"), validators=[Optional(), Length(max=100)])
    expires_on = DateField(_l("Qualification expires"), validators=[Optional()])


class LevelForm(FlaskForm):
    trigger_zh = TextAreaField(_l("Trigger (Chinese)"), validators=[Length(max=4000)])
    trigger_en = TextAreaField(_l("Trigger (English)"), validators=[Length(max=4000)])
    checklist_zh = TextAreaField(_l("Checklist (Chinese, one action per line)"),
                                 validators=[Length(max=20000)])
    checklist_en = TextAreaField(_l("Checklist (English, one action per line)"),
                                 validators=[Length(max=20000)])


class PointForm(FlaskForm):
    kind = SelectField(_l("Receives at"), validators=[DataRequired()])
    depot = SelectField(_l("Depot"), validators=[Optional()])
    shelter = SelectField(_l("Shelter"), validators=[Optional()])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    contact_name = StringField(_l("Signs for deliveries"),
                               validators=[DataRequired(), Length(max=100)])
    contact_phone = StringField(_l("Phone"), validators=[DataRequired(), Length(max=40)])
    notes = StringField(_l("Notes (access, hours)"), validators=[Optional(), Length(max=500)])
