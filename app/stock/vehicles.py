"""The vehicle register of the depots: what each depot can load, and who drives it."""
from __future__ import annotations

from sqlalchemy.orm import Session

from app.core import crud
from app.core.errors import ValidationFailed
from app.core.fields import enum_field, phone_field
from app.core.i18n import _
from app.stock.enums import VehicleKind
from app.stock.models import Depot, Vehicle

#: plausible bounds: from a cargo tricycle's 50 kg to a heavy lorry's 49 t (GB 1589-2016), and
#: a load space of 0.2 to 120 m³
PAYLOAD_KG = (50.0, 49_000.0)
VOLUME_M3 = (0.2, 120.0)


def _check_vehicle(_session: Session, vehicle: Vehicle) -> None:
    vehicle.kind = enum_field(VehicleKind, vehicle.kind, "kind")
    low, high = PAYLOAD_KG
    if vehicle.payload_kg is None or not low <= vehicle.payload_kg <= high:
        raise ValidationFailed(_("Payload is %(low)s to %(high)s kg.", low=int(low),
                                 high=int(high)), field="payload_kg")
    low, high = VOLUME_M3
    if vehicle.volume_m3 is None or not low <= vehicle.volume_m3 <= high:
        raise ValidationFailed(_("Load volume is %(low)s to %(high)s m³.", low=low,
                                 high=int(high)), field="volume_m3")
    vehicle.driver_phone = phone_field(vehicle.driver_phone, "driver_phone", required=False)


VEHICLE = crud.Resource(Vehicle, "depots", "vehicle", refs={"depot": (Depot, "depot_id")},
                        check=_check_vehicle)
