"""Controlled vocabularies, with bilingual labels for pages, CSV headers and PDFs."""
from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum as SAEnum

from app.i18n import _


class Labelled(StrEnum):
    """A StrEnum whose members carry (zh, en) labels in the class's LABELS map."""

    @classmethod
    def labels(cls) -> dict[str, tuple[str, str]]:
        return getattr(cls, "_labels", {})

    def label(self, lang: str = "zh") -> str:
        zh, en = type(self).labels().get(self.value, (self.value, self.value))
        return zh if lang.startswith("zh") else en

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


class ItemCategory(Labelled):
    WATER_FOOD = "water_food"
    SHELTER_BEDDING = "shelter_bedding"
    MEDICAL = "medical"
    POWER_COMMS = "power_comms"
    RESCUE_TOOLS = "rescue_tools"
    HYGIENE = "hygiene"


_with_labels(ItemCategory, {
    "water_food": ("饮水食品", "Water & food"),
    "shelter_bedding": ("安置被装", "Shelter & bedding"),
    "medical": ("医疗救护", "Medical"),
    "power_comms": ("电力照明通信", "Power, lighting & comms"),
    "rescue_tools": ("抢险救援工具", "Rescue tools"),
    "hygiene": ("卫生用品", "Hygiene"),
})


class ReserveMode(Labelled):
    PHYSICAL = "physical"
    AGREEMENT = "agreement"
    CAPACITY = "capacity"


_with_labels(ReserveMode, {"physical": ("实物储备", "Physical stock"),
                           "agreement": ("协议储备", "Agreement stock"),
                           "capacity": ("产能储备", "Production capacity")})


class NormBasis(Labelled):
    PERSON = "person"
    HOUSEHOLD = "household"
    PEOPLE_N = "people_n"


_with_labels(NormBasis, {"person": ("每人", "per person"), "household": ("每户", "per household"),
                         "people_n": ("每N人", "per N people")})


class NormPeriod(Labelled):
    DAY = "day"
    MONTH = "month"
    EVENT = "event"


_with_labels(NormPeriod, {"day": ("每天", "per day"), "month": ("每月", "per month"),
                          "event": ("每次事件", "per event")})


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


class LedgerKind(Labelled):
    RECEIPT = "receipt"
    ISSUE = "issue"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    ADJUSTMENT = "adjustment"
    WRITE_OFF = "write_off"
    RESERVATION = "reservation"
    RELEASE = "release"


_with_labels(LedgerKind, {
    "receipt": ("入库", "Receipt"), "issue": ("出库", "Issue"),
    "transfer_out": ("调出", "Transfer out"), "transfer_in": ("调入", "Transfer in"),
    "adjustment": ("盘点调整", "Adjustment"), "write_off": ("过期报废", "Expiry write-off"),
    "reservation": ("预留", "Reservation"), "release": ("释放预留", "Release"),
})


class ShelterDuration(Labelled):
    EMERGENCY = "emergency"
    SHORT = "short"
    LONG = "long"


_with_labels(ShelterDuration, {"emergency": ("紧急", "Emergency"), "short": ("短期", "Short-term"),
                               "long": ("长期", "Long-term")})


class ShelterGrade(Labelled):
    COMMUNITY = "community"
    STREET = "street"
    COUNTY = "county"
    CITY = "city"
    PROVINCE = "province"


_with_labels(ShelterGrade, {"community": ("社区级", "Community"), "street": ("街道级", "Street"),
                            "county": ("县级", "County"), "city": ("市级", "City"),
                            "province": ("省级", "Province")})


class ShelterStatus(Labelled):
    READY = "ready"
    OPEN = "open"
    FULL = "full"
    CLOSED = "closed"


_with_labels(ShelterStatus, {"ready": ("待启用", "Ready"), "open": ("开放", "Open"),
                             "full": ("已满", "Full"), "closed": ("关闭", "Closed")})


class Facility(Labelled):
    WATER = "water"
    POWER = "power"
    GENERATOR = "generator"
    LIGHTING = "lighting"
    TOILETS = "toilets"
    MEDICAL = "medical"
    KITCHEN = "kitchen"
    WHEELCHAIR = "wheelchair"


_with_labels(Facility, {"water": ("供水", "Water"), "power": ("供电", "Power"),
                        "generator": ("发电机", "Generator"), "lighting": ("照明", "Lighting"),
                        "toilets": ("厕所", "Toilets"), "medical": ("医疗点", "Medical point"),
                        "kitchen": ("厨房", "Kitchen"),
                        "wheelchair": ("无障碍通道", "Wheelchair access")})


class TeamKind(Labelled):
    COMMAND = "command"
    RESCUE = "rescue"
    VOLUNTEER = "volunteer"


_with_labels(TeamKind, {"command": ("领导小组", "Leadership / command"),
                        "rescue": ("专业救援队", "Professional rescue"),
                        "volunteer": ("志愿者队伍", "Volunteers")})


class Speciality(Labelled):
    GENERAL = "general"
    FIRE = "fire"
    MEDICAL = "medical"
    ENGINEERING = "engineering"
    WATER_RESCUE = "water_rescue"
    SEARCH_RESCUE = "search_rescue"
    HAZMAT = "hazmat"
    COMMS = "comms"
    LOGISTICS = "logistics"


_with_labels(Speciality, {
    "general": ("综合", "General"), "fire": ("消防", "Fire"), "medical": ("医疗", "Medical"),
    "engineering": ("工程抢险", "Engineering"), "water_rescue": ("水上救援", "Water rescue"),
    "search_rescue": ("搜救", "Search & rescue"), "hazmat": ("危化品", "Hazmat"),
    "comms": ("通信保障", "Communications"), "logistics": ("后勤保障", "Logistics"),
})


class Availability(Labelled):
    AVAILABLE = "available"
    LIMITED = "limited"
    UNAVAILABLE = "unavailable"


_with_labels(Availability, {"available": ("可调用", "Available"),
                            "limited": ("部分可用", "Limited"),
                            "unavailable": ("不可用", "Unavailable")})


class MobilisationScope(Labelled):
    INCIDENT_AREA = "incident_area"
    STREET = "street"
    DISTRICT = "district"


_with_labels(MobilisationScope, {"incident_area": ("事发区域", "Incident area"),
                                 "street": ("所在街道", "Street of the incident"),
                                 "district": ("全区", "Whole district")})


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


class IncidentStatus(Labelled):
    ACTIVE = "active"
    CLOSED = "closed"
    DRAFT = "draft"  # imported from a CAP alert: nothing mobilised until a coordinator declares


_with_labels(IncidentStatus, {"active": ("处置中", "Active"), "closed": ("已结束", "Closed"),
                              "draft": ("待确认草稿", "Draft")})


class IncidentEventKind(Labelled):
    """An incident's history, from which its CAP alerts are derived."""

    IMPORTED = "imported"
    DECLARED = "declared"
    LEVEL_CHANGED = "level_changed"
    CLOSED = "closed"


_with_labels(IncidentEventKind, {"imported": ("由CAP预警导入", "Imported from a CAP alert"),
                                 "declared": ("宣布启动", "Declared"),
                                 "level_changed": ("响应级别调整", "Level changed"),
                                 "closed": ("响应结束", "Closed")})


class PlanStatus(Labelled):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    SUPERSEDED = "superseded"


_with_labels(PlanStatus, {"proposed": ("待确认", "Proposed"), "confirmed": ("已确认", "Confirmed"),
                          "superseded": ("已被替代", "Superseded")})


class DispatchStatus(Labelled):
    RESERVED = "reserved"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


_with_labels(DispatchStatus, {"reserved": ("已预留待发", "Reserved, to go"),
                              "delivered": ("已送达", "Delivered"),
                              "cancelled": ("已取消", "Cancelled")})


class MobilisationStatus(Labelled):
    CALLED = "called"
    STOOD_DOWN = "stood_down"


_with_labels(MobilisationStatus, {"called": ("已调集", "Called out"),
                                  "stood_down": ("已解除", "Stood down")})


class ExerciseType(Labelled):
    """HSEEP exercise types: four discussion-based, three operations-based."""

    SEMINAR = "seminar"
    WORKSHOP = "workshop"
    TABLETOP = "tabletop"
    GAME = "game"
    DRILL = "drill"
    FUNCTIONAL = "functional"
    FULL_SCALE = "full_scale"


_with_labels(ExerciseType, {
    "seminar": ("研讨会", "Seminar"), "workshop": ("专题研讨", "Workshop"),
    "tabletop": ("桌面推演", "Tabletop exercise"), "game": ("推演游戏", "Game"),
    "drill": ("单项操练", "Drill"), "functional": ("功能演练", "Functional exercise"),
    "full_scale": ("全面演练", "Full-scale exercise"),
})
DISCUSSION_BASED = frozenset({ExerciseType.SEMINAR, ExerciseType.WORKSHOP,
                              ExerciseType.TABLETOP, ExerciseType.GAME})


class DrillForm(Labelled):
    """The Chinese 桌面 / 实战 axis."""

    TABLETOP = "tabletop"
    LIVE = "live"


_with_labels(DrillForm, {"tabletop": ("桌面演练", "Tabletop"), "live": ("实战演练", "Live")})


class DrillScope(Labelled):
    """The Chinese 单项 / 综合 axis."""

    SINGLE = "single"
    COMPREHENSIVE = "comprehensive"


_with_labels(DrillScope, {"single": ("单项演练", "Single-function"),
                          "comprehensive": ("综合演练", "Comprehensive")})


class DrillStatus(Labelled):
    PLANNED = "planned"
    CONFIRMED = "confirmed"
    DONE = "done"
    CANCELLED = "cancelled"


_with_labels(DrillStatus, {"planned": ("计划中", "Planned"), "confirmed": ("已确认", "Confirmed"),
                           "done": ("已完成", "Done"), "cancelled": ("已取消", "Cancelled")})


class DrillUnit(Labelled):
    """What a drill-frequency rule applies to: a level of the area tree, or a kind of unit
    (school, venue, ...) that a coordinator places in chosen areas."""

    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"
    SCHOOL = "school"
    KINDERGARTEN = "kindergarten"
    CROWDED_VENUE = "crowded_venue"
    HAZARDOUS_SITE = "hazardous_site"


_with_labels(DrillUnit, {
    "street": ("街道", "Street"), "community": ("社区", "Community"), "grid": ("网格", "Grid"),
    "school": ("学校", "School"), "kindergarten": ("幼儿园", "Kindergarten"),
    "crowded_venue": ("人员密集场所", "Crowded venue"),
    "hazardous_site": ("危险化学品单位", "Hazardous site"),
})
AREA_UNITS = frozenset({DrillUnit.STREET, DrillUnit.COMMUNITY, DrillUnit.GRID})


class Rating(Labelled):
    """HSEEP capability ratings."""

    P = "P"
    S = "S"
    M = "M"
    U = "U"


_with_labels(Rating, {
    "P": ("P 完成良好", "P: performed without challenges"),
    "S": ("S 基本完成", "S: performed with some challenges"),
    "M": ("M 问题较多", "M: performed with major challenges"),
    "U": ("U 未能完成", "U: unable to be performed"),
})


class Poete(Labelled):
    """The element of capability a corrective action fixes."""

    PLANNING = "planning"
    ORGANISATION = "organisation"
    EQUIPMENT = "equipment"
    TRAINING = "training"
    EXERCISE = "exercise"


_with_labels(Poete, {"planning": ("预案", "Planning"), "organisation": ("组织", "Organisation"),
                     "equipment": ("装备", "Equipment"), "training": ("培训", "Training"),
                     "exercise": ("演练", "Exercise")})


class ActionStatus(Labelled):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


_with_labels(ActionStatus, {"open": ("待处理", "Open"), "in_progress": ("整改中", "In progress"),
                            "done": ("已整改", "Done"), "cancelled": ("已撤销", "Cancelled")})
OPEN_ACTIONS = frozenset({ActionStatus.OPEN, ActionStatus.IN_PROGRESS})


class VersionStatus(Labelled):
    """A contingency plan version's life: drafted, submitted, approved, then superseded."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    SUPERSEDED = "superseded"


_with_labels(VersionStatus, {"draft": ("草稿", "Draft"), "submitted": ("已提交待审批", "Submitted"),
                             "approved": ("已批准", "Approved"),
                             "superseded": ("已被新版本替代", "Superseded")})


class Edition(Labelled):
    """Who may read a plan document: everyone in scope, or authorised roles only (it lists
    vulnerable residents)."""

    PUBLIC = "public"
    RESTRICTED = "restricted"


_with_labels(Edition, {"public": ("公开版", "Public edition"),
                       "restricted": ("内部版（含弱势人员名单）", "Restricted edition")})


def db_enum(enum_cls: type[StrEnum], name: str) -> SAEnum:
    """A portable enum column: VARCHAR plus a named CHECK constraint, storing the values."""
    return SAEnum(enum_cls, name=name, native_enum=False, create_constraint=True,
                  values_callable=lambda e: [m.value for m in e], validate_strings=True,
                  length=32)
