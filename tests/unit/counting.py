"""Counting the calls of a method while it keeps doing its work (which plans the execution makes)."""

from __future__ import annotations

from typing import Any

import pytest


def count_calls(monkeypatch: pytest.MonkeyPatch, owner: type, name: str) -> list[tuple[Any, ...]]:
    """The arguments of every call of ``owner.name`` from now on (undone with ``monkeypatch``)."""
    calls: list[tuple[Any, ...]] = []
    original = getattr(owner, name)

    def counting(self: Any, *args: Any) -> Any:
        calls.append(args)
        return original(self, *args)

    monkeypatch.setattr(owner, name, counting)
    return calls
