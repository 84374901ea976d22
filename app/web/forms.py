"""Web forms (Flask-WTF: CSRF on every one). Labels are translated lazily."""
from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm

from app.core.errors import DomainError
from app.core.vocabulary import Labelled


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


def data_of(form: FlaskForm, *names: str) -> dict[str, Any]:
    """Field values by name, leaving out empty optional ones."""
    out = {}
    for name in names:
        value = getattr(form, name).data
        if value not in (None, ""):
            out[name] = value
    return out
