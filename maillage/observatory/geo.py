"""Great-circle distances and a grid index for « nearest place » queries over all of France.

The index buckets points in cells of ``cell`` degrees. A query scans rings of cells around its own
cell, keeps the best haversine distance found, and stops as soon as no unscanned cell can hold a closer
point (a ring ``r`` cells away is at least ``r · cell`` degrees of latitude, or of longitude scaled by the
cosine of the highest latitude involved). Exact (same answer as the all-pairs loop), far fewer pairs.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class GridIndex:
    def __init__(self, points: Iterable[tuple[float, float]], cell: float = 0.1) -> None:
        self.cell = cell
        self.cells: dict[tuple[int, int], list[tuple[float, float]]] = defaultdict(list)
        self.size = 0
        for lat, lon in points:
            self.cells[(math.floor(lat / cell), math.floor(lon / cell))].append((lat, lon))
            self.size += 1
        if self.cells:
            rows = [k[0] for k in self.cells]
            cols = [k[1] for k in self.cells]
            self.bounds = (min(rows), max(rows), min(cols), max(cols))

    def nearest_km(self, lat: float, lon: float, max_km: float = 1000.0) -> float | None:
        """Distance to the nearest indexed point, None if none within ``max_km``."""
        if not self.size:
            return None
        cell = self.cell
        i0, j0 = math.floor(lat / cell), math.floor(lon / cell)
        best = math.inf
        max_ring = int(max_km / (cell * KM_PER_DEGREE * 0.1)) + 2  # generous cap, the bound stops earlier
        rmin, rmax, cmin, cmax = self.bounds
        ring = 0
        while ring <= max_ring:
            for i in range(i0 - ring, i0 + ring + 1):
                if i < rmin or i > rmax:
                    continue
                edge = i in (i0 - ring, i0 + ring)
                step = 1 if edge else 2 * ring
                j = j0 - ring
                while j <= j0 + ring:
                    if cmin <= j <= cmax:
                        bucket = self.cells.get((i, j))
                        if bucket:
                            for plat, plon in bucket:
                                d = haversine_km(lat, lon, plat, plon)
                                if d < best:
                                    best = d
                    j += step if step else 1
            # Any point outside rings 0..ring is more than `ring` cells away in latitude or longitude.
            top = min(89.9, abs(lat) + (ring + 1) * cell)
            bound = ring * cell * KM_PER_DEGREE * min(1.0, math.cos(math.radians(top))) * 0.999
            if best <= bound or bound > max_km:
                break
            if i0 - ring < rmin and i0 + ring > rmax and j0 - ring < cmin and j0 + ring > cmax:
                break  # every cell scanned
            ring += 1
        return best if best <= max_km else None


def nearest_naive_km(lat: float, lon: float, points: list[tuple[float, float]]) -> float | None:
    """The all-pairs baseline: every point measured."""
    best = math.inf
    for plat, plon in points:
        d = haversine_km(lat, lon, plat, plon)
        if d < best:
            best = d
    return None if best == math.inf else best
