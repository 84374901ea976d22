"""The seeded drill data (app/seeds/drills.toml): rules, targets, evaluation aspects, settings.

Every door reads this data through the functions here, never through a copy of its own.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.vocabulary import SourceStatus
from app.drills.enums import DrillForm, DrillUnit
from app.drills.models import DrillRequirement


@cache
def settings() -> dict[str, Any]:
    """The seeded drill rules, targets and reminder settings (app/seeds/drills.toml)."""
    text = resources.files("app.seeds").joinpath("drills.toml").read_text("utf-8")
    return tomllib.loads(text)


def seed_requirements(session: Session) -> int:
    """Add the default drill-frequency rules that are missing; edited ones stay as they are."""
    have = set(session.scalars(select(DrillRequirement.code)))
    added = 0
    for raw in settings()["requirement"]:
        if raw["code"] in have:
            continue
        session.add(DrillRequirement(
            **{**raw, "unit": DrillUnit(raw["unit"]),
               "form": DrillForm(raw["form"]) if raw.get("form") else None,
               "source_status": SourceStatus(raw["source_status"])}))
        added += 1
    session.flush()
    return added


@dataclass(frozen=True)
class Aspect:
    """One aspect a drill evaluation covers (Art. 23), with its labels."""

    key: str
    label_zh: str
    label_en: str

    def label(self, lang: str = "zh") -> str:
        return self.label_zh if lang == "zh" else self.label_en or self.label_zh


@cache
def evaluation_aspects() -> tuple[Aspect, ...]:
    """The Art. 23 evaluation aspects, in the order of the seed file."""
    section = settings()["evaluation"]
    labels = section.get("labels", {})
    missing = [key for key in section["aspects"] if not labels.get(key, {}).get("zh")]
    if missing:  # a data error: fail loudly at start-up, not with a blank label on a page
        raise RuntimeError(f"app/seeds/drills.toml: evaluation aspects without a label: "
                           f"{', '.join(missing)}")
    return tuple(Aspect(key, labels[key]["zh"], labels[key].get("en", ""))
                 for key in section["aspects"])


def aspect_keys() -> tuple[str, ...]:
    return tuple(a.key for a in evaluation_aspects())


@dataclass(frozen=True)
class Target:
    """A measured-time target offered when recording a drill, with its source."""

    name_zh: str
    name_en: str
    seconds: int
    source: str

    def name(self, lang: str = "zh") -> str:
        return self.name_zh if lang == "zh" else self.name_en or self.name_zh


def targets() -> list[Target]:
    return [Target(t["name_zh"], t.get("name_en", ""), int(t["seconds"]), t.get("source", ""))
            for t in settings().get("target", [])]


def target_source(name: str) -> str | None:
    """The source of the seeded target with this name (either language), or None."""
    for t in targets():
        if name and name in (t.name_zh, t.name_en):
            return t.source
    return None
