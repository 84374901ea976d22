"""Vocabulary of shelters (GB 21734 / GB 51143 classes), teams and response levels."""
from __future__ import annotations

from app.core.vocabulary import Labelled, _with_labels


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


class PointKind(Labelled):
    """Where a community (or a large grid) receives supplies."""

    DEPOT = "depot"
    SHELTER = "shelter"
    ADDRESS = "address"


_with_labels(PointKind, {"depot": ("储备点", "Depot"), "shelter": ("避难场所", "Shelter"),
                         "address": ("地址", "Address")})
