"""Where an exam's images are now, nearest first: this computer's folders, the workstation cache,
the hospital front-end server (前置机), a provincial cloud."""

from __future__ import annotations

from enum import Enum


class Origin(Enum):
    """Where a study can be read from. Members are ordered by how near (fast) they are."""

    LOCAL = "local"
    CACHE = "cache"
    FRONTEND = "frontend"
    CLOUD = "cloud"

    @property
    def rank(self) -> int:
        """0 for the nearest (local), 3 for the farthest (cloud)."""
        return _RANK[self]


_RANK = {Origin.LOCAL: 0, Origin.CACHE: 1, Origin.FRONTEND: 2, Origin.CLOUD: 3}


def nearest(origins: set[Origin] | frozenset[Origin]) -> Origin:
    """The nearest of several places (raises on an empty set)."""
    if not origins:
        raise ValueError("an exam is somewhere: no origin given")
    return min(origins, key=lambda o: o.rank)
