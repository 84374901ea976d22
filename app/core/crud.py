"""Create, update and delete master data by public code, with references resolved by code
(each reference must be a record the actor may see)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.access import require_writer
from app.core.db import unit_of_work
from app.core.errors import Conflict, ValidationFailed
from app.core.i18n import _
from app.core.lookup import by_code, ensure_in_scope, ensure_visible


@dataclass(frozen=True)
class Resource:
    """How one kind of record is written: its model, writer domain and code references."""

    model: type
    domain: str
    noun: str
    # input field -> (referenced model, foreign-key attribute); references are by code
    refs: dict[str, tuple[type, str]] = field(default_factory=dict)
    scoped: bool = True  # global catalogues (items, norms) have no area
    check: Callable[[Session, Any], None] | None = None  # extra rules after assignment


def _assign(session: Session, res: Resource, obj: Any, data: dict[str, Any]) -> None:
    columns = {c.key for c in inspect(res.model).mapper.column_attrs}
    for key, value in data.items():
        if key in res.refs:
            model, fk = res.refs[key]
            if value is None:
                setattr(obj, fk, None)
                continue
            target = by_code(session, model, value, key)
            ensure_visible(target, key)  # never a reference to another area's record
            setattr(obj, fk, target.id)
        elif key in columns:
            setattr(obj, key, value)
        else:
            raise ValidationFailed(_("Unknown field '%(field)s'.", field=key), field=key)


def _flush(session: Session, res: Resource, obj: Any) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        code = getattr(obj, "code", None)
        if code and "unique" in str(exc.orig).lower():
            raise Conflict(_("The code '%(code)s' is already used.", code=code),
                           field="code") from None
        raise Conflict(_("The record conflicts with existing data.")) from None


def create(session: Session, res: Resource, data: dict[str, Any]) -> Any:
    """Insert one record; returns it (expired attributes reloaded)."""
    require_writer(res.domain)
    with unit_of_work(session):
        obj = res.model()
        _assign(session, res, obj, data)
        if res.check:
            res.check(session, obj)
        session.add(obj)
        _flush(session, res, obj)
    return obj


def update(session: Session, res: Resource, code: str, data: dict[str, Any]) -> Any:
    """Change fields of a record found by code; its code cannot change."""
    require_writer(res.domain)
    with unit_of_work(session):
        obj = by_code(session, res.model, code, res.noun)
        if res.scoped:
            ensure_in_scope(obj)
        if "code" in data and data["code"] != code:
            raise ValidationFailed(_("A code cannot be changed; create a new record."),
                                   field="code")
        _assign(session, res, obj, {k: v for k, v in data.items() if k != "code"})
        if res.check:
            res.check(session, obj)
        _flush(session, res, obj)
    return obj


def delete(session: Session, res: Resource, code: str) -> None:
    """Delete a record that nothing else refers to."""
    require_writer(res.domain)
    with unit_of_work(session):
        obj = by_code(session, res.model, code, res.noun)
        if res.scoped:
            ensure_in_scope(obj)
        session.delete(obj)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            raise Conflict(_("'%(code)s' is still in use (stock, shelters, teams, users or "
                             "sub-areas refer to it); it was not deleted.", code=code),
                           field="code") from None
