"""Audit trail: every insert, update and delete of an audited model, with before and after."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from app.core.actor import current_actor
from app.core.db import utcnow
from app.core.models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _columns(obj: Any) -> list[str]:
    excluded = getattr(obj, "__audit_exclude__", frozenset()) | {"created_at", "updated_at"}
    return [c.key for c in inspect(obj).mapper.column_attrs if c.key not in excluded]


def _snapshot(obj: Any) -> dict[str, Any]:
    return {k: _plain(getattr(obj, k)) for k in _columns(obj)}


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key in _columns(obj):
        hist = state.attrs[key].history
        if hist.has_changes():
            before[key] = _plain(hist.deleted[0]) if hist.deleted else None
            after[key] = _plain(hist.added[0]) if hist.added else None
    return before, after


def _identity(obj: Any) -> str:
    ident = inspect(obj).identity
    return "/".join(str(x) for x in ident) if ident else "?"


def _label(obj: Any) -> str:
    return str(getattr(obj, "code", None) or getattr(obj, "username", None)
               or getattr(obj, "name", None) or _identity(obj))


def audit_rows(session: Session) -> list[dict[str, Any]]:
    """Collect audit rows for what this flush changes (called after the flush)."""
    actor = current_actor()
    base = {"at": utcnow(), "user_id": actor.user_id if actor else None,
            "actor": actor.label if actor else "system"}
    rows: list[dict[str, Any]] = []
    for action, objs in (("create", session.info.get("rg_new", [])),
                         ("update", session.info.get("rg_dirty", [])),
                         ("delete", session.info.get("rg_deleted", []))):
        for obj, pre in objs:
            if action == "create":
                before, after = None, _snapshot(obj)
            elif action == "delete":
                before, after = pre, None
            else:
                before, after = pre
                if not after:
                    continue
            rows.append({**base, "action": action, "entity": obj.__tablename__,
                         "entity_id": _identity(obj), "summary": _label(obj)[:300],
                         "before": before, "after": after})
    return rows


def _audited(obj: Any) -> bool:
    return bool(getattr(type(obj), "__audited__", False))


def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    if session.info.get("rg_skip_audit"):  # bulk builds write one summary row instead
        return
    session.info["rg_new"] = [(o, None) for o in session.new if _audited(o)]
    session.info["rg_dirty"] = [(o, _changes(o)) for o in session.dirty
                                if _audited(o) and session.is_modified(o)]
    session.info["rg_deleted"] = [(o, _snapshot(o)) for o in session.deleted if _audited(o)]


def _after_flush(session: Session, _ctx: Any) -> None:
    rows = audit_rows(session)
    for key in ("rg_new", "rg_dirty", "rg_deleted"):
        session.info.pop(key, None)
    if rows:
        session.connection().execute(insert(AuditEntry), rows)


def record(session: Session, action: str, entity: str, entity_id: str, summary: str,
           after: dict[str, Any] | None = None) -> None:
    """An explicit audit row for bulk work that bypasses the ORM (imports, demo builds)."""
    actor = current_actor()
    session.execute(insert(AuditEntry).values(
        at=utcnow(), user_id=actor.user_id if actor else None,
        actor=actor.label if actor else "system", action=action, entity=entity,
        entity_id=entity_id, summary=summary[:300], before=None, after=after))


def install() -> None:
    """Listen on every Session; idempotent."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
