"""Plain descriptions of the databases the gateway talks to (no driver code here)."""

from __future__ import annotations

from dataclasses import dataclass, field

CENTRAL = "central"


@dataclass(frozen=True)
class SourceConfig:
    """How to reach one database: DSN (a secret, never printed), pool size, statement timeout."""

    name: str
    dsn: str = field(repr=False)
    pool_size: int = 8
    timeout_s: float = 3.0


@dataclass(frozen=True)
class BreakerConfig:
    """Circuit breaker: open after `failures` consecutive failures, probe again after `reset_s`."""

    failures: int = 3
    reset_s: float = 2.0
