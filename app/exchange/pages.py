"""The CSV import page: upload, check every row, then load all rows or none."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.core import db
from app.core.errors import ValidationFailed
from app.exchange import services as imports
from app.exchange.forms import ImportConfirmForm, ImportForm
from app.exchange.kinds import KINDS
from app.web import locale
from app.web.common import require

bp = Blueprint("exchange_web", __name__, template_folder="templates")

KIND_LABELS = {"areas": ("区域", "Areas"), "items": ("物资品类", "Items"),
               "depots": ("仓库", "Depots"), "lots": ("库存批次", "Stock lots"),
               "shelters": ("避难场所", "Shelters"), "teams": ("队伍", "Teams"),
               "members": ("队员", "Team members"), "points": ("物资接收点", "Receiving points"),
               "vehicles": ("车辆", "Vehicles")}


def _uploads() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _kind_choices() -> list[tuple[str, str]]:
    zh = locale() == "zh"
    return [(k, KIND_LABELS[k][0 if zh else 1]) for k in KINDS]


@bp.route("/import", methods=["GET", "POST"])
def import_csv() -> str | Response | tuple[str, int]:
    """Step 1: upload and preview (nothing written). Step 2: confirm."""
    require("import")
    form = ImportForm()
    form.kind.choices = _kind_choices()
    confirm = ImportConfirmForm()
    if request.method == "POST" and request.form.get("step") == "confirm":
        return _confirm(confirm)
    if request.method == "POST" and form.validate():
        raw = form.file.data.read()
        token = f"{current_user.id}-{secrets.token_hex(12)}"
        (_uploads() / f"{token}.csv").write_bytes(raw)
        try:
            result = imports.import_csv(db.session(), form.kind.data, raw, dry_run=True)
        except ValidationFailed as exc:
            return render_template("admin/import.html", form=form, errors=exc.errors,
                                   detail=exc.detail), 422
        confirm.kind.data, confirm.upload.data = form.kind.data, token
        return render_template("admin/import.html", form=form, result=result, confirm=confirm,
                               columns=[c.key for c in KINDS[form.kind.data]])
    status = 422 if request.method == "POST" else 200
    return render_template("admin/import.html", form=form), status


def _confirm(confirm: ImportConfirmForm) -> Response | tuple[str, int]:
    token = confirm.upload.data or ""
    path = _uploads() / f"{token}.csv"
    if (not confirm.validate() or not token.startswith(f"{current_user.id}-")
            or not path.is_file() or confirm.kind.data not in KINDS):
        flash(_("That upload is no longer available; please upload the file again."), "error")
        return redirect(url_for("exchange_web.import_csv"))
    try:
        result = imports.import_csv(db.session(), confirm.kind.data, path.read_bytes())
    except ValidationFailed as exc:
        form = ImportForm(kind=confirm.kind.data)
        form.kind.choices = _kind_choices()
        return render_template("admin/import.html", form=form, errors=exc.errors,
                               detail=exc.detail), 422
    path.unlink(missing_ok=True)
    flash(_("Imported %(rows)s rows: %(created)s new, %(updated)s updated.", rows=result.rows,
            created=result.created, updated=result.updated), "ok")
    return redirect(url_for("exchange_web.import_csv"))
