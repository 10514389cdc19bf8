"""Per-request accounting of what each source was asked and how it went.

The gateway turns a :class:`RequestTrace` into ``extensions.sources`` so a developer sees where
an answer came from and what it cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_SEVERITY = {"skipped": 0, "ok": 1, "error": 2, "timeout": 3, "unavailable": 4}


@dataclass
class SourceStats:
    """Statements sent to one source during one request, their total time and the worst outcome."""

    statements: int = 0
    ms: float = 0.0
    status: str = "skipped"

    def record(self, status: str, ms: float, *, sent: bool = True) -> None:
        self.statements += int(sent)
        self.ms += ms
        if _SEVERITY[status] > _SEVERITY[self.status]:
            self.status = status


@dataclass
class RequestTrace:
    """Source statistics of one request, keyed by source name."""

    sources: dict[str, SourceStats] = field(default_factory=dict)

    def record(self, source: str, status: str, ms: float, *, sent: bool = True) -> None:
        self.sources.setdefault(source, SourceStats()).record(status, ms, sent=sent)

    def statements(self, source: str) -> int:
        stats = self.sources.get(source)
        return stats.statements if stats else 0

    def as_extension(self, all_sources: list[str]) -> list[dict[str, object]]:
        """One entry per configured source, in configuration order."""
        entries = []
        for name in all_sources:
            stats = self.sources.get(name, SourceStats())
            entries.append(
                {"source": name, "status": stats.status, "statements": stats.statements, "ms": round(stats.ms, 2)}
            )
        return entries
