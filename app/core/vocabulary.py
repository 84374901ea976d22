"""Controlled vocabularies, with bilingual labels for pages, CSV headers and PDFs."""
from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum as SAEnum

from app.core import i18n
from app.core.i18n import _


class Labelled(StrEnum):
    """A StrEnum whose members carry (zh, en) labels in the class's LABELS map."""

    @classmethod
    def labels(cls) -> dict[str, tuple[str, str]]:
        return getattr(cls, "_labels", {})

    def label(self, lang: str | None = None) -> str:
        """The label in `lang`, else in the language of the message being written (a
        service's error reads in one language, the page's, the API caller's or the CLI's)."""
        zh, en = type(self).labels().get(self.value, (self.value, self.value))
        return zh if (lang or i18n.lang()).startswith("zh") else en

    @classmethod
    def parse(cls, raw: str) -> Labelled:
        """Accept the code, the English or the Chinese label (CSV imports use all three)."""
        text = raw.strip()
        for member in cls:
            zh, en = cls.labels().get(member.value, (member.value, member.value))
            if text.lower() in {member.value, en.lower()} or text == zh:
                return member
        raise ValueError(_("'%(raw)s' is not one of: %(choices)s", raw=raw,
                           choices=", ".join(m.value for m in cls)))


def _with_labels(cls: type[Labelled], labels: dict[str, tuple[str, str]]) -> type[Labelled]:
    cls._labels = labels  # type: ignore[attr-defined]
    return cls


class AreaLevel(Labelled):
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"


_with_labels(AreaLevel, {"district": ("区", "District"), "street": ("街道", "Street"),
                         "community": ("社区", "Community"), "grid": ("网格", "Grid")})


LEVEL_ORDER = [AreaLevel.DISTRICT, AreaLevel.STREET, AreaLevel.COMMUNITY, AreaLevel.GRID]


class PopulationGroup(Labelled):
    ALL = "all"
    ELDERLY_ALONE = "elderly_alone"
    DISABLED = "disabled"
    INFANTS = "infants"
    PREGNANT = "pregnant"
    CHRONICALLY_ILL = "chronically_ill"


_with_labels(PopulationGroup, {
    "all": ("全体居民", "All residents"),
    "elderly_alone": ("独居老人", "Elderly living alone"),
    "disabled": ("残疾或卧床", "Disabled or bedridden"),
    "infants": ("3岁以下婴幼儿", "Infants under 3"),
    "pregnant": ("孕妇", "Pregnant women"),
    "chronically_ill": ("慢性病患者", "Chronically ill"),
})


VULNERABLE_GROUPS = [g for g in PopulationGroup if g is not PopulationGroup.ALL]


class SourceStatus(Labelled):
    VERIFIED = "verified"
    SECONDARY = "secondary"
    UNVERIFIED = "unverified"


_with_labels(SourceStatus, {"verified": ("已核实原文", "Verified in primary text"),
                            "secondary": ("二手来源", "Secondary source"),
                            "unverified": ("未核实", "Unverified")})


class Role(Labelled):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    COMMUNITY_STAFF = "community_staff"
    OFFICIAL = "official"


_with_labels(Role, {"admin": ("系统管理员", "Administrator"),
                    "coordinator": ("应急协调员", "Emergency coordinator"),
                    "community_staff": ("社区工作人员", "Community staff"),
                    "official": ("领导/官员", "Official")})


class Hazard(Labelled):
    FLOOD = "flood"
    TYPHOON = "typhoon"
    RAINSTORM = "rainstorm"
    EARTHQUAKE = "earthquake"
    FIRE = "fire"
    LANDSLIDE = "landslide"
    HAZMAT = "hazmat"
    HEATWAVE = "heatwave"
    EPIDEMIC = "epidemic"


_with_labels(Hazard, {
    "flood": ("洪涝", "Flood"), "typhoon": ("台风", "Typhoon"), "rainstorm": ("暴雨", "Rainstorm"),
    "earthquake": ("地震", "Earthquake"), "fire": ("火灾", "Fire"),
    "landslide": ("地质灾害", "Landslide"), "hazmat": ("危化品事故", "Hazardous chemicals"),
    "heatwave": ("高温", "Heatwave"), "epidemic": ("公共卫生事件", "Epidemic"),
})


def db_enum(enum_cls: type[StrEnum], name: str) -> SAEnum:
    """A portable enum column: VARCHAR plus a named CHECK constraint, storing the values."""
    return SAEnum(enum_cls, name=name, native_enum=False, create_constraint=True,
                  values_callable=lambda e: [m.value for m in e], validate_strings=True,
                  length=32)
