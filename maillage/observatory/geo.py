"""Great-circle distances and a KD-tree for « nearest place » queries over all of France.

Points are placed on the unit sphere (x, y, z); the straight-line (chord) distance between two points is
a monotonic function of their great-circle distance, so the nearest point by chord (SciPy's KD-tree) is
the nearest point by haversine, and ``2 R asin(chord / 2)`` is exactly its great-circle distance.
Same answer as the all-pairs loop (checked by the tests and the benchmark), far fewer pairs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _unit_vectors(points: Sequence[tuple[float, float]]) -> np.ndarray:
    coords = np.radians(np.asarray(points, dtype=float).reshape(-1, 2))
    lat, lon = coords[:, 0], coords[:, 1]
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


class SphereIndex:
    """Nearest-point queries on (latitude, longitude) points, distances in km."""

    def __init__(self, points: Sequence[tuple[float, float]]) -> None:
        from scipy.spatial import KDTree  # here, not at import: 2-5 s off every web worker's start

        self.size = len(points)
        self.tree = KDTree(_unit_vectors(points)) if points else None

    def nearest_km_many(
        self, queries: Sequence[tuple[float, float]], max_km: float = 1000.0
    ) -> list[float | None]:
        """Distance from each query point to the nearest indexed point; None beyond ``max_km`` or if empty."""
        if self.tree is None or not queries:
            return [None] * len(queries)
        angle = min(max_km / EARTH_RADIUS_KM, math.pi)
        bound = 2 * math.sin(angle / 2) * (1 + 1e-12)
        chords, _ = self.tree.query(_unit_vectors(queries), k=1, distance_upper_bound=bound)
        result: list[float | None] = []
        for chord in np.atleast_1d(chords):
            if not math.isfinite(chord):
                result.append(None)
            else:
                km = 2 * EARTH_RADIUS_KM * math.asin(min(1.0, float(chord) / 2))
                result.append(km if km <= max_km else None)
        return result

    def nearest_km(self, lat: float, lon: float, max_km: float = 1000.0) -> float | None:
        return self.nearest_km_many([(lat, lon)], max_km)[0]


def nearest_naive_km(lat: float, lon: float, points: list[tuple[float, float]]) -> float | None:
    """The all-pairs baseline: every point measured with the haversine formula."""
    best = math.inf
    for plat, plon in points:
        d = haversine_km(lat, lon, plat, plon)
        if d < best:
            best = d
    return None if best == math.inf else best
