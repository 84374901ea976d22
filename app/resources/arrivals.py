"""Who else may say what is coming to a shelter: features that send people to shelters (the
incidents' confirmed plans) register a function here, and the shelter page shows what they
return. The resources feature imports none of them."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.resources.models import Shelter


@dataclass(frozen=True)
class Expected:
    """People expected at a shelter from one source (an incident's confirmed plan)."""

    source: str  # e.g. the incident code
    title: str
    people: int
    need_access: int
    from_areas: list[str]
    link: str | None = None  # an endpoint name taking `code`


SOURCES: list[Callable[[Session, Shelter], list[Expected]]] = []


def register(source: Callable[[Session, Shelter], list[Expected]]) -> None:
    if source not in SOURCES:
        SOURCES.append(source)


def expected(session: Session, shelter: Shelter) -> list[Expected]:
    return [e for source in SOURCES for e in source(session, shelter)]
