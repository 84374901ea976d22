"""Pages for users, the audit log and CSV import with a preview."""
from __future__ import annotations

import secrets
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app import db
from app.errors import Forbidden, ValidationFailed
from app.importexport.kinds import KINDS
from app.models import Area, AuditEntry, User
from app.models.enums import Role
from app.services import imports, users
from app.services.access import AUDIT_READERS
from app.web import locale
from app.web.common import list_args, my_prefix, page, require, submit, url_args
from app.web.forms import ImportConfirmForm, ImportForm, UserForm, choices
from app.web.inventory import _status

bp = Blueprint("admin", __name__)
KIND_LABELS = {"areas": ("区域", "Areas"), "items": ("物资品类", "Items"),
               "depots": ("仓库", "Depots"), "lots": ("库存批次", "Stock lots"),
               "shelters": ("避难场所", "Shelters"), "teams": ("队伍", "Teams"),
               "members": ("队员", "Team members")}


def _user_form() -> UserForm:
    form = UserForm()
    form.role.choices = choices(Role, locale())
    form.area.choices = [(a.code, f"{a.code} {a.name_zh}") for a in db.session().scalars(
        select(Area).where(Area.path.startswith(my_prefix()),
                           Area.level != "grid").order_by(Area.code))]
    return form


@bp.route("/users", methods=["GET", "POST"], endpoint="users")
def users_page() -> str | Response | tuple[str, int]:
    require("users")
    form = _user_form()
    if request.method == "POST":
        done = submit(form, "users", lambda: users.create_user(db.session(), {
            "username": form.username.data, "display_name": form.display_name.data or "",
            "role": form.role.data, "area": form.area.data, "password": form.password.data,
            "active": form.active.data}),
            _("User %(name)s created.", name=form.username.data), url_for("admin.users"))
        if done:
            return done
    args = list_args()
    stmt = (select(User).join(Area, Area.id == User.area_id).options(selectinload(User.area))
            .where(Area.path.startswith(my_prefix())))
    result = page(stmt, args, {"username": User.username, "role": User.role},
                  [User.username, User.display_name], "username")
    return render_template("admin/users.html", page=result, args=url_args(args),
                           form=form), _status()





@bp.get("/audit")
def audit() -> str:
    if current_user.role not in AUDIT_READERS:
        raise Forbidden(_("Your role cannot read the audit log."))
    args = list_args("entity")
    stmt = select(AuditEntry)
    if my_prefix().count("/") > 2:  # below district level: changes by your area's users
        stmt = stmt.where(AuditEntry.user_id.in_(select(User.id).join(Area).where(
            Area.path.startswith(my_prefix()))))
    if args["entity"]:
        stmt = stmt.where(AuditEntry.entity == args["entity"])
    result = page(stmt, args, {"at": AuditEntry.at, "id": AuditEntry.id},
                  [AuditEntry.summary, AuditEntry.actor, AuditEntry.entity], "-id")
    return render_template("admin/audit.html", page=result, args=url_args(args))


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
        return redirect(url_for("admin.import_csv"))
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
    return redirect(url_for("admin.import_csv"))
