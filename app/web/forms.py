"""Web forms (Flask-WTF: CSRF on every one). Labels are translated lazily."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from app.errors import DomainError
from app.models.enums import Labelled


def choices(enum: type[Labelled], lang: str, blank: bool = False) -> list[tuple[str, str]]:
    out = [(m.value, m.label(lang)) for m in enum]
    return [("", "—"), *out] if blank else out


def attach(form: FlaskForm, err: DomainError) -> None:
    """Show a service's error beside the field it names (or on the whole form)."""
    field = getattr(form, err.field, None) if err.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*list(field.errors or []), err.detail]
    else:
        form.form_errors.append(err.detail)


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10, max=200)])
    repeat = PasswordField(_l("Repeat the new password"),
                           validators=[DataRequired(), EqualTo("new", _l("Passwords differ."))])


class ReceiptForm(FlaskForm):
    item = SelectField(_l("Item"), validators=[DataRequired()])
    quantity = IntegerField(_l("Quantity"), validators=[InputRequired(), NumberRange(min=1)])
    lot_number = StringField(_l("Lot number"), validators=[DataRequired(), Length(max=64)])
    expiry_date = DateField(_l("Expiry date"), validators=[Optional()])
    supplier = StringField(_l("Supplier"), validators=[Optional(), Length(max=200)])
    reason = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class IssueForm(FlaskForm):
    item = SelectField(_l("Item"), validators=[DataRequired()])
    quantity = IntegerField(_l("Quantity"), validators=[InputRequired(), NumberRange(min=1)])
    lot_number = StringField(_l("Lot number (optional: first-expired-first-out)"),
                             validators=[Optional(), Length(max=64)])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class TransferForm(FlaskForm):
    item = SelectField(_l("Item"), validators=[DataRequired()])
    quantity = IntegerField(_l("Quantity"), validators=[InputRequired(), NumberRange(min=1)])
    to_depot = SelectField(_l("To depot"), validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class AdjustForm(FlaskForm):
    delta = IntegerField(_l("Change (+/−)"), validators=[InputRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class WriteOffForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


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


class AreaPeopleForm(FlaskForm):
    name_zh = StringField(_l("Chinese name"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=200)])
    population = IntegerField(_l("Population"), validators=[Optional(), NumberRange(min=0)])
    households = IntegerField(_l("Households"), validators=[Optional(), NumberRange(min=0)])
    elderly_alone = IntegerField(_l("Elderly living alone"),
                                 validators=[Optional(), NumberRange(min=0)])
    disabled = IntegerField(_l("Disabled or bedridden"),
                            validators=[Optional(), NumberRange(min=0)])
    infants = IntegerField(_l("Infants under 3"), validators=[Optional(), NumberRange(min=0)])
    pregnant = IntegerField(_l("Pregnant women"), validators=[Optional(), NumberRange(min=0)])
    chronically_ill = IntegerField(_l("Chronically ill"),
                                   validators=[Optional(), NumberRange(min=0)])


class LevelForm(FlaskForm):
    trigger_zh = TextAreaField(_l("Trigger (Chinese)"), validators=[Length(max=4000)])
    trigger_en = TextAreaField(_l("Trigger (English)"), validators=[Length(max=4000)])
    checklist_zh = TextAreaField(_l("Checklist (Chinese, one action per line)"),
                                 validators=[Length(max=20000)])
    checklist_en = TextAreaField(_l("Checklist (English, one action per line)"),
                                 validators=[Length(max=20000)])


class UserForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(min=2, max=64)])
    display_name = StringField(_l("Display name"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    area = SelectField(_l("Responsible for"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=10)])
    active = BooleanField(_l("Active"), default=True)


class ImportForm(FlaskForm):
    kind = SelectField(_l("What the file holds"), validators=[DataRequired()])
    file = FileField(_l("CSV file"), validators=[FileRequired()])


class ImportConfirmForm(FlaskForm):
    kind = HiddenField(validators=[DataRequired()])
    upload = HiddenField(validators=[DataRequired()])


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


class RouteRemoveForm(FlaskForm):
    depot = HiddenField(validators=[DataRequired()])
    area = HiddenField(validators=[DataRequired()])
    kind = HiddenField(validators=[DataRequired()])


class ConfirmPlanForm(FlaskForm):
    plan = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


def data_of(form: FlaskForm, *names: str) -> dict[str, Any]:
    """Field values by name, leaving out empty optional ones."""
    out = {}
    for name in names:
        value = getattr(form, name).data
        if value not in (None, ""):
            out[name] = value
    return out
