"""Per-user rate limit shared by messages and slash commands (a sliding window, in memory)."""

from __future__ import annotations

import time
from collections import deque


class Cooldown:
    def __init__(self, rate: int, per: float, clock=time.monotonic):
        self.rate, self.per, self._clock = rate, per, clock
        self._hits: dict[int, deque[float]] = {}

    def retry_after(self, user_id: int) -> float:
        """0 and the hit is counted when allowed; otherwise seconds until the user may ask again."""
        if self.per <= 0:
            return 0.0
        now = self._clock()
        hits = self._hits.setdefault(user_id, deque())
        while hits and now - hits[0] >= self.per:
            hits.popleft()
        if len(hits) >= self.rate:
            return self.per - (now - hits[0])
        hits.append(now)
        if len(self._hits) > 10_000:  # forget idle users so memory stays bounded
            self._hits = {u: h for u, h in self._hits.items() if h and now - h[-1] < self.per}
        return 0.0
