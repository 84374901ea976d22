"""The vehicle register of the depots: what each depot can load, and who drives it."""
from __future__ import annotations

import re

from sqlalchemy.orm import Session

from app.core import crud
from app.core.errors import ValidationFailed
from app.core.i18n import _
from app.stock.enums import VehicleKind
from app.stock.models import Depot, Vehicle

PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,38}$")
#: plausible bounds: a cargo tricycle's 200 kg to a heavy lorry's 49 t (GB 1589-2016), and a
#: load space of 0.5 to 120 m³
PAYLOAD_KG = (50.0, 49_000.0)
VOLUME_M3 = (0.2, 120.0)


def _check_vehicle(_session: Session, vehicle: Vehicle) -> None:
    try:
        vehicle.kind = VehicleKind(vehicle.kind)
    except ValueError:
        raise ValidationFailed(_("Kind is one of: %(kinds)s.",
                                 kinds=", ".join(k.value for k in VehicleKind)),
                               field="kind") from None
    low, high = PAYLOAD_KG
    if vehicle.payload_kg is None or not low <= vehicle.payload_kg <= high:
        raise ValidationFailed(_("Payload is %(low)s to %(high)s kg.", low=int(low),
                                 high=int(high)), field="payload_kg")
    low, high = VOLUME_M3
    if vehicle.volume_m3 is None or not low <= vehicle.volume_m3 <= high:
        raise ValidationFailed(_("Load volume is %(low)s to %(high)s m³.", low=low,
                                 high=int(high)), field="volume_m3")
    if vehicle.driver_phone and not PHONE.match(vehicle.driver_phone.strip()):
        raise ValidationFailed(_("A phone number of 6 to 40 digits, spaces or dashes."),
                               field="driver_phone")


VEHICLE = crud.Resource(Vehicle, "depots", "vehicle", refs={"depot": (Depot, "depot_id")},
                        check=_check_vehicle)
