"""The web pages' shell: sessions, CSRF, language, security headers, HTML errors and template
filters. Each feature registers its own page blueprints."""
from __future__ import annotations

from typing import Any

from flask import (
    Flask,
    Response,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel, format_date, format_datetime, format_decimal
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.accounts.services import principal_of
from app.core import db
from app.core.actor import reset_actor, set_actor
from app.core.vocabulary import Labelled

LANGUAGES = ("zh", "en")
csrf = CSRFProtect()
login_manager = LoginManager()
PUBLIC = {"auth_web.login", "auth_web.language", "static", "healthz"}

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
       "base-uri 'none'")


class _SessionInterface(SecureCookieSessionInterface):
    """Session cookies are Secure whenever the request came over HTTPS (or always, if set)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        configured = app.config.get("SESSION_COOKIE_SECURE")
        return bool(configured) if configured is not None else request.is_secure


def locale() -> str:
    """Pages: the user's choice (Chinese by default). API: Accept-Language, else English."""
    if not has_request_context():
        return "en"
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(LANGUAGES) or "en"
    if "lang" in session and session["lang"] in LANGUAGES:
        return session["lang"]
    if current_user and current_user.is_authenticated:
        return current_user.locale if current_user.locale in LANGUAGES else "zh"
    return "zh"  # the demo's users are Chinese community workers


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    # with the area in the same round trip: every page needs the user's scope
    user = db.session().get(User, int(user_id), options=[joinedload(User.area)])
    return user if user is not None and user.active else None


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # tied to the session instead
    app.session_interface = _SessionInterface()
    Babel(app, locale_selector=locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth_web.login"
    login_manager.session_protection = "strong"

    app.before_request(_require_sign_in)
    app.teardown_request(_forget_actor)
    app.after_request(_security_headers)
    app.context_processor(_template_globals)
    app.context_processor(_unread_notifications)
    app.jinja_env.filters.update(label=_label, num=_num, date=_date, datetime=_datetime,
                                 item_name=_item_name)
    app.register_error_handler(CSRFError, _csrf_error)


def _require_sign_in() -> Any:
    if request.path.startswith("/api/") or request.endpoint in PUBLIC:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth_web.login", next=request.full_path.rstrip("?")))
    g.web_actor = set_actor(principal_of(current_user))
    return None


def _forget_actor(_exc: BaseException | None) -> None:
    token = g.pop("web_actor", None)
    if token is not None:
        reset_actor(token)


def _security_headers(resp: Response) -> Response:
    resp.headers.setdefault("Content-Security-Policy", CSP)
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("X-Frame-Options", "DENY")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.path.startswith(("/static/", "/api/")):
        resp.headers.setdefault("Cache-Control", "no-store")
    return resp


def _csrf_error(err: CSRFError) -> tuple[str, int]:
    return render_template("errors/error.html", code=400, message=err.description), 400


def _template_globals() -> dict[str, Any]:
    from app.core.access import AUDIT_READERS, can_write
    user = current_user if current_user and current_user.is_authenticated else None
    from app.core.vocabulary import Hazard, PopulationGroup
    from app.resources.enums import Facility, ShelterStatus
    lang = locale()
    return {"lang": lang, "me": user,
            "hazard_label": lambda code: Hazard(code).label(lang),
            "group_label": lambda code: PopulationGroup(code).label(lang),
            "facility_label": lambda code: Facility(code).label(lang),
            "status_label": lambda code: ShelterStatus(code).label(lang),
            "can": (lambda domain: bool(user) and can_write(user.role, domain)),
            "can_audit": bool(user) and user.role in AUDIT_READERS}


def _unread_notifications() -> dict[str, int]:
    """The badge next to the notifications link: one COUNT per request, 0 when signed out."""
    if not has_request_context() or request.path.startswith("/api/") or not (
            current_user and current_user.is_authenticated):
        return {"unread_notifications": 0}
    if "unread_notifications" not in g:
        from sqlalchemy.exc import SQLAlchemyError

        from app.notifications.services import reader, unread_count
        try:  # (the actor may not be set yet: a CSRF failure stops the request before that)
            g.unread_notifications = unread_count(db.session(),
                                                  *reader(principal_of(current_user)))
        except SQLAlchemyError:  # an error page after a failed query still renders
            g.unread_notifications = 0
    return {"unread_notifications": g.unread_notifications}


def _label(value: Any) -> str:
    if isinstance(value, Labelled):
        return value.label(locale())
    return "" if value is None else str(value)


def _item_name(item: Any) -> str:
    if item is None:
        return ""
    return item.name_zh if locale() == "zh" or not item.name_en else item.name_en


def _num(value: Any, digits: int = 0) -> str:
    if value is None:
        return "—"
    return format_decimal(round(value, digits), format="#,##0" + ("." + "0" * digits
                                                                  if digits else ""))


def _date(value: Any) -> str:
    return "—" if value is None else format_date(value, "medium")


def _datetime(value: Any) -> str:
    return "—" if value is None else format_datetime(value, "short")
