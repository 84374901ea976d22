"""Who is acting right now: set by authentication, the CLI or a job; read by the audit log."""
from __future__ import annotations

import getpass
from contextvars import ContextVar
from dataclasses import dataclass

from app.core.vocabulary import Role


@dataclass(frozen=True)
class Principal:
    """An authenticated user with a role and an area subtree (materialised path)."""

    user_id: int | None
    username: str
    role: Role
    area_id: int | None
    area_path: str  # "" means the whole database (system actors)

    @property
    def label(self) -> str:
        return self.username

    def covers(self, path: str) -> bool:
        """True when an area with this path lies in the principal's subtree."""
        return path.startswith(self.area_path)


_current: ContextVar[Principal | None] = ContextVar("readygrid_actor", default=None)


def system_actor(name: str | None = None) -> Principal:
    """The actor for CLI commands and scheduled jobs: full scope, named for the audit log."""
    return Principal(None, name or f"cli:{_os_user()}", Role.ADMIN, None, "")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "unknown"


def set_actor(principal: Principal | None) -> object:
    return _current.set(principal)


def reset_actor(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


def current_actor() -> Principal | None:
    return _current.get()
