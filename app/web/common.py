"""Helpers shared by the page blueprints."""
from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user
from sqlalchemy import Select

from app.accounts.services import principal_of
from app.core import db
from app.core.access import narrowed_scope
from app.core.errors import DomainError
from app.core.listing import page_of

PER_PAGE = 25


def list_args(*extra: str) -> dict[str, Any]:
    """Search, sort and page from the query string (bad numbers fall back to page 1)."""
    try:
        page = max(int(request.args.get("page", 1)), 1)
    except ValueError:
        page = 1
    args: dict[str, Any] = {"page": page, "per_page": PER_PAGE,
                            "sort": request.args.get("sort") or None,
                            "q": (request.args.get("q") or "").strip()[:100] or None}
    for key in extra:
        args[key] = request.args.get(key) or None
    return args


def page(stmt: Select[Any], args: dict[str, Any], sortable: dict[str, Any],
         searchable: list[Any], default: str) -> dict[str, Any]:
    return page_of(stmt, args, sortable, searchable, default)


def my_prefix(area_code: str | None = None) -> str:
    """The caller's subtree, narrowed to an area inside it when one is asked for."""
    try:
        return narrowed_scope(db.session(), area_code)
    except DomainError:  # a page shows the user's own areas rather than an error
        return principal_of(current_user).area_path


def url_args(args: dict[str, Any]) -> dict[str, Any]:
    """The args worth keeping in links (no Nones, no per_page)."""
    return {k: v for k, v in args.items() if v not in (None, "") and k != "per_page"}


def may(domain: str) -> bool:
    """Whether the signed-in user's role may change this kind of record."""
    from app.core.access import can_write
    return can_write(current_user.role, domain)


def require(domain: str) -> None:
    if not may(domain):
        from flask_babel import gettext as _

        from app.core.errors import Forbidden
        raise Forbidden(_("Your role cannot change this."))


def submit(form: Any, domain: str, run: Any, done: str, to: str) -> Any:
    """Handle a posted form: check the role, validate, run the service, flash and redirect.

    Returns the redirect, or None when the form must be shown again (its errors, from the
    fields or from the service, stand beside the fields and what was typed is kept).
    """
    from flask import flash, redirect

    from app.core.errors import DomainError
    from app.web.forms import attach

    require(domain)
    if form.validate():
        try:
            run()
        except DomainError as exc:
            attach(form, exc)
        else:
            flash(done, "ok")
            return redirect(to)
    return None


def form_status() -> int:
    """A form shown again after a POST is a 422; a plain view a 200."""
    return 422 if request.method == "POST" else 200


def partial() -> bool:
    """True when htmx asks for the part of a page an action changed (HX-Request), not the
    whole page: the view then renders that part alone, its flash messages inside it."""
    return request.headers.get("HX-Request") == "true" and \
        request.headers.get("HX-History-Restore-Request") != "true"
