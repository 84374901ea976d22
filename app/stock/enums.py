"""Vocabulary of the catalogue and the ledger: item categories, norms, ledger entry kinds."""
from __future__ import annotations

from app.core.vocabulary import Labelled, _with_labels


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


class VehicleKind(Labelled):
    VAN = "van"
    PICKUP = "pickup"
    LIGHT_TRUCK = "light_truck"
    TRUCK = "truck"


_with_labels(VehicleKind, {"van": ("厢式车", "Van"), "pickup": ("皮卡", "Pickup"),
                           "light_truck": ("轻型货车", "Light truck"),
                           "truck": ("货车", "Truck")})
