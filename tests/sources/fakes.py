"""An injected clock for sources that wait: ``sleep`` advances it and records the delay."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakeTime:
    """A monotonic clock that only moves when something sleeps; nothing really waits."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
