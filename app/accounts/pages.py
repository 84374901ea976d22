"""Sign in, sign out, change password, switch language."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from app.accounts import services as users
from app.accounts.forms import LoginForm, PasswordForm
from app.core import db
from app.core.db import unit_of_work
from app.core.errors import Unauthorized, ValidationFailed
from app.web import LANGUAGES

bp = Blueprint("auth_web", __name__, template_folder="templates")


def safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a user to another host after sign-in."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.netloc and not parts.scheme:
            return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = users.login(db.session(), form.username.data, form.password.data)
        except Unauthorized as exc:
            form.form_errors.append(_("Too many failed sign-ins; try again in a few minutes.")
                                    if "Too many" in exc.detail else
                                    _("Unknown user name or wrong password."))
            return render_template("auth/login.html", form=form), 401
        session.clear()  # a fresh session on sign-in: no fixation
        login_user(user)
        session["lang"] = user.locale
        return redirect(safe_next(form.next.data))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    logout_user()
    session.clear()
    return redirect(url_for("auth_web.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> str | Response | tuple[str, int]:
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not users.check_password(user, form.current.data):
            form.current.errors = [_("This is not your current password.")]
            return render_template("auth/password.html", form=form), 422
        try:
            with unit_of_work(db.session()):
                db.session().merge(user).password_hash = users.hash_password(form.new.data)
        except ValidationFailed as exc:
            form.new.errors = [exc.detail]
            return render_template("auth/password.html", form=form), 422
        flash(_("Your password has been changed."), "ok")
        return redirect(url_for("dashboard.index"))
    return render_template("auth/password.html", form=form)


@bp.get("/lang/<code>")
def language(code: str) -> Response:
    """Switch the language; remembered for the user's next sign-in too."""
    if code in LANGUAGES:
        session["lang"] = code
        if current_user.is_authenticated:
            with unit_of_work(db.session()):
                db.session().merge(current_user._get_current_object()).locale = code
    return redirect(safe_next(request.args.get("next")))
