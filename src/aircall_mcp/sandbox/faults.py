"""Injected failures: latency, 5xx answers and dropped connections, random (seeded) or scripted."""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from enum import Enum


class FaultKind(Enum):
    NONE = "none"
    ERROR = "error"  # answer 500/503 without applying the request
    DROP = "drop"  # close the connection without any response


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    status: int = 0
    after_apply: bool = False  # DROP only: apply the request first, then drop


NO_FAULT = Fault(FaultKind.NONE)


@dataclass
class Faults:
    """Mutable at runtime. Scripted faults (pass_next / fail_next / drop_next) come first, then the random rates."""

    latency_seconds: float = 0.0
    error_rate: float = 0.0
    drop_rate: float = 0.0
    drop_after_apply: bool = False
    seed: int = 0
    _rng: random.Random = field(init=False, repr=False)
    _scripted: deque[Fault] = field(init=False, repr=False, default_factory=deque)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)  # noqa: S311 - reproducible faults, not secrets

    def fail_next(self, n: int = 1, *, status: int = 503) -> None:
        """The next `n` authenticated requests get `status` and are not applied."""
        self._scripted.extend(Fault(FaultKind.ERROR, status) for _ in range(n))

    def drop_next(self, n: int = 1, *, after_apply: bool = False) -> None:
        """The next `n` authenticated requests lose their connection (applied first if `after_apply`)."""
        self._scripted.extend(Fault(FaultKind.DROP, after_apply=after_apply) for _ in range(n))

    def pass_next(self, n: int = 1) -> None:
        """The next `n` authenticated requests are served normally: a scripted fault after them hits a later one."""
        self._scripted.extend(NO_FAULT for _ in range(n))

    def clear(self) -> None:
        """No faults at all: rates to zero, scripted faults forgotten."""
        self.latency_seconds = self.error_rate = self.drop_rate = 0.0
        self.drop_after_apply = False
        self._scripted.clear()

    @property
    def pending(self) -> int:
        return len(self._scripted)

    def draw(self) -> Fault:
        """The fault for the next request."""
        if self._scripted:
            return self._scripted.popleft()
        if self.drop_rate and self._rng.random() < self.drop_rate:
            return Fault(FaultKind.DROP, after_apply=self.drop_after_apply)
        if self.error_rate and self._rng.random() < self.error_rate:
            return Fault(FaultKind.ERROR, self._rng.choice((500, 503)))
        return NO_FAULT
