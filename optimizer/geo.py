"""Distances and allowed routes."""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

EARTH_KM = 6371.0088


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def great_circle_matrix(lat1: Sequence[float], lon1: Sequence[float], lat2: Sequence[float],
                        lon2: Sequence[float]) -> NDArray[np.float64]:
    """Haversine km from every point of the first list (rows) to every one of the second."""
    p1 = np.radians(np.asarray(lat1, dtype=np.float64))[:, None]
    p2 = np.radians(np.asarray(lat2, dtype=np.float64))[None, :]
    dl = np.radians(np.asarray(lon2, dtype=np.float64))[None, :] - np.radians(
        np.asarray(lon1, dtype=np.float64))[:, None]
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_KM * np.arcsin(np.minimum(1.0, np.sqrt(h))), dtype=np.float64)
