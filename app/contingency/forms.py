"""Forms of the contingency plan pages (Flask-WTF: CSRF on every one). Labels are lazy."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.drills.forms import CheckboxesField


class PlanHeaderForm(FlaskForm):
    """A plan's header: what the page edits (the area is chosen once, when it is created)."""

    title_zh = StringField(_l("Chinese title"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("English title"), validators=[Optional(), Length(max=200)])
    hazards = CheckboxesField(_l("Hazards covered (the main one first)"),
                              validators=[DataRequired(message=_l("Tick at least one hazard."))])
    scenario_displaced = IntegerField(
        _l("Scenario: people displaced (empty: from the area's population)"),
        validators=[Optional(), NumberRange(min=0, max=10_000_000)])
    scenario_days = IntegerField(_l("Scenario: days to supply"), default=3,
                                 validators=[InputRequired(), NumberRange(min=1, max=30)])
    review_due = DateField(_l("Review due"), validators=[Optional()])


class NewPlanForm(PlanHeaderForm):
    area = SelectField(_l("Area (a community, a street or the district)"),
                       validators=[DataRequired()])


class NoteForm(FlaskForm):
    note = StringField(_l("What this version changes (optional)"),
                       validators=[Optional(), Length(max=500)])


class ReviewForm(FlaskForm):
    comment = TextAreaField(_l("Comment (required to return)"),
                            validators=[Optional(), Length(max=2000)])


class FilingForm(FlaskForm):
    filed_on = DateField(_l("Filed on"), validators=[InputRequired(message=_l("Choose the date."))])
