"""The receipt form of a community's phone view: htmx swaps the one order's card; without
JavaScript a plain POST and a redirect back to the incident page."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from app.core import db
from app.core.errors import Conflict, ValidationFailed
from app.incidents import dispatches as dispatch_svc
from app.incidents import receipt_views, receipts
from app.incidents.pages import bp
from app.web.common import may, partial, require

FIELD = "received-"  # one number field per item: received-<ITEM CODE>


def _counted(form: MultiDict[str, str]) -> dict[str, int]:
    """The form's received-<ITEM> numbers (whole, 0 or more)."""
    out = {}
    for key, raw in form.items():
        if key.startswith(FIELD):
            if not raw.strip().isdigit():
                raise ValidationFailed(_("Received units must be whole numbers, 0 or more."),
                                       field="lines")
            out[key.removeprefix(FIELD)] = int(raw)
    return out


@bp.post("/dispatches/<code>/receipt")
def receive(code: str) -> Response | tuple[str, int]:
    """The receiving point counted an order: record it (a difference needs a reason)."""
    require("dispatches")
    session = db.session()
    status = 200
    try:
        done = receipts.receive(session, code, _counted(request.form),
                                request.form.get("reason", ""))
    except ValidationFailed as exc:
        flash(exc.detail, "error")
        status = 422
    except Conflict as exc:
        flash(exc.detail, "error")
        status = 409
    else:
        flash(_("Receipt of %(code)s recorded with a difference; the coordinators are told.",
                code=code) if done["receipt"]["differs"] else
              _("Receipt of %(code)s recorded: received in full.", code=code), "ok")
    if partial():
        return _card(code, status)
    incident = dispatch_svc.load(session, code).incident.code
    return redirect(url_for(".incident", code=incident, _anchor=f"receipt-{code}"))


def _card(code: str, status: int) -> tuple[str, int]:
    """The order's card alone, its flash message inside; what was typed stays on a refusal."""
    typed: dict[str, Any] | None = request.form if status == 422 else None
    card = receipt_views.one_card(db.session(), code, may("dispatches"))
    return render_template("incidents/_receipt_card.html", c=card, alone=True,
                           typed=typed), status
