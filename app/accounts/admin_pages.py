"""Pages for users and the audit log."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.accounts import services as users
from app.accounts.forms import UserForm
from app.accounts.models import User
from app.areas.models import Area
from app.core import db
from app.core.access import AUDIT_READERS
from app.core.errors import Forbidden
from app.core.models import AuditEntry
from app.core.vocabulary import Role
from app.web import locale
from app.web.common import form_status, list_args, my_prefix, page, require, submit, url_args
from app.web.forms import choices

bp = Blueprint("admin", __name__, template_folder="templates")


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
                           form=form), form_status()


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
