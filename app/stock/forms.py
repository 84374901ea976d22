"""Forms of the stock pages: receipts, issues, transfers, adjustments, write-offs."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


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


class VehicleForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    plate = StringField(_l("Plate"), validators=[DataRequired(), Length(max=20)])
    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    payload_kg = DecimalField(_l("Payload (kg)"), places=1, validators=[InputRequired()])
    volume_m3 = DecimalField(_l("Load space (m³)"), places=2, validators=[InputRequired()])
    driver_name = StringField(_l("Driver"), validators=[Optional(), Length(max=100)])
    driver_phone = StringField(_l("Driver's phone"), validators=[Optional(), Length(max=40)])
