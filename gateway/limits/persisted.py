"""Persisted queries (Apollo's ``extensions.persistedQuery``): registered operations by sha256.

A request may name a registered operation by its hash instead of sending the text; where only
registered operations may run (``public_persisted_only``), this is the allow-list.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from domain.errors import (
    PersistedQueryHashMismatch,
    PersistedQueryInvalid,
    PersistedQueryNotFound,
    PersistedQueryRequired,
)


def query_hash(query: str) -> str:
    return hashlib.sha256(query.encode("utf-8")).hexdigest()


class PersistedQueries:
    """Registered operations by sha256 of their text (Apollo's ``extensions.persistedQuery``).

    The allow-list is a JSON object ``{"<sha256>": "<query>", …}`` or a directory of ``.graphql``
    files (each file one registered document).  A hash that does not match its text is refused
    when loading, so the list cannot smuggle in another query.
    """

    def __init__(self, queries: Mapping[str, str]) -> None:
        self._queries = dict(queries)

    @classmethod
    def load(cls, path: Path | None) -> PersistedQueries:
        if path is None:
            return cls({})
        if path.is_dir():
            texts = [f.read_text(encoding="utf-8") for f in sorted(path.glob("*.graphql"))]
            return cls({query_hash(t): t for t in texts})
        entries = json.loads(path.read_text(encoding="utf-8"))
        for digest, text in entries.items():
            if query_hash(text) != digest:
                raise ValueError(f"persisted query {digest[:12]}… does not match its text")
        return cls(entries)

    def __len__(self) -> int:
        return len(self._queries)

    def resolve(self, query: str | None, extensions: Mapping[str, Any] | None, *, required: bool) -> str | None:
        """The query text to run.  ``required``: only registered operations may run."""
        digest = _requested_hash(extensions)
        if digest is None:
            if required:
                message = "Only registered operations may run here: send extensions.persistedQuery"
                raise PersistedQueryRequired(message)
            return query
        if query is not None and query_hash(query) != digest:
            message = "persistedQuery.sha256Hash does not match the query"
            raise PersistedQueryHashMismatch(message)
        registered = self._queries.get(digest)
        if registered is None and (required or query is None):
            raise PersistedQueryNotFound("PersistedQueryNotFound")
        return registered or query


def _requested_hash(extensions: Mapping[str, Any] | None) -> str | None:
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    digest = persisted.get("sha256Hash") if isinstance(persisted, Mapping) else None
    if not isinstance(digest, str) or len(digest) != 64:
        raise PersistedQueryInvalid("persistedQuery.sha256Hash must be a sha256 hex digest")
    return digest.lower()
