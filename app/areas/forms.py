"""Forms of the area pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    StringField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional


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
