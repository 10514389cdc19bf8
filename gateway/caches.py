"""Parsed and validated documents, cached within a byte bound, and a per-caller budget of the work
the cache does not save (issue 8, item 4).

Portals send the same few documents again and again: each is parsed and validated once.  The
cache used to count entries (512 parsed plus 512 validated documents), and one entry can be a
megabyte: a unique 15 KB document of repeated fields parses into ~0.9 MB of AST and tokens, so one
caller sending unique documents pinned 1.2 GB.  Now:

* the cache is bounded by the bytes its documents actually hold (measured once, when one is
  added: :func:`deep_size`), least recently used out first;
* a document larger than ``MAX_CACHED_DOCUMENT_BYTES`` is never cached: a portal's documents are
  far smaller, and a large unique one is what an attacker sends;
* validation is cached as a flag on the parsed entry (no second cache holding documents alive);
* the CPU time a caller spends parsing and validating documents the cache did not have is
  charged to a per-caller budget (``[limits] document_cpu_ms_per_minute``; the caller is the
  token subject, or the client address for the public, as for the rate limits).  A caller past
  it gets HTTP 429 ``RATE_LIMITED`` for documents the cache does not know, while its cached ones
  still run: one caller's unique documents (a 15 KB one costs ~90 ms of validation) can no
  longer take the CPU every other caller's requests wait for.

The cache is process-wide (the schema is); the budget is per application, kept in memory per
replica like the rate limits.  The view sets which budget and caller a request is charged to
(:meth:`DocumentWork.metering`); the schema extension :class:`CachedDocuments` does the work.
"""

from __future__ import annotations

import contextlib
import gc
import sys
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import Enum
from types import FunctionType, ModuleType

from graphql import DocumentNode, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from gateway.context import GatewayContext
from gateway.limits.rate import CallerBuckets

MAX_CACHED_DOCUMENT_BYTES = 4 * 1024
# About 60 bytes of AST and tokens per byte of document text: some hundreds of typical portal
# documents (a few hundred bytes to a few KB each) fit.
CACHE_MAX_BYTES = 32 * 1024 * 1024

RuleSet = tuple[type, ...]


# ---- the size of a parsed document -------------------------------------------------------------

_SHARED = (type, ModuleType, FunctionType, Enum, bool, type(None))


# CPython keeps an object's attribute values apart from the object (not in ``sys.getsizeof``).
_VALUES_HEADER = 16


def _shared(obj: object) -> bool:
    """Objects the rest of the process holds anyway: classes, enum members, None, the booleans and
    the small ints CPython keeps once (a token's offsets past 256 are its own)."""
    return isinstance(obj, _SHARED) or (type(obj) is int and -5 <= obj <= 256)  # type: ignore[operator]


def deep_size(root: object) -> int:
    """Bytes held by ``root`` and everything it reaches, each object counted once; a string shared
    with the rest of the process (an interned name) is counted too.  Iterative: a document's
    tokens form a linked list far longer than the recursion limit."""
    seen: set[int] = set()
    stack = [root]
    total = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen or _shared(obj):
            continue
        seen.add(id(obj))
        referents = gc.get_referents(obj)  # what the collector sees it hold: slots, attributes, items
        total += sys.getsizeof(obj)
        if type(obj).__dictoffset__:  # AST nodes: attribute values live in an array of their own
            total += _VALUES_HEADER + 8 * len(referents)
        stack.extend(referents)
    return total


# ---- the cache ----------------------------------------------------------------------------------

@dataclass
class _Entry:
    document: DocumentNode
    size: int
    valid_for: set[RuleSet] = field(default_factory=set)  # validation rule sets it passed
    # Facts derived from the document alone, keyed by their deriver and what else they depend on:
    # the limits' passes per schema and policy (gateway.limits.analysis.check_document_remembered),
    # the request-input findings per schema (gateway.request_input).  Small, and gone with the entry.
    derived: dict = field(default_factory=dict)  # type: ignore[type-arg]


class DocumentCache:
    """Parsed documents by their text, least recently used first out, within ``max_bytes``."""

    def __init__(self, max_bytes: int = CACHE_MAX_BYTES, max_document_bytes: int = MAX_CACHED_DOCUMENT_BYTES) -> None:
        self.max_bytes = max_bytes
        self.max_document_bytes = max_document_bytes
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._bytes = 0

    @property
    def bytes(self) -> int:
        """What the cached documents hold (their text, AST and tokens)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, query: object) -> bool:
        return query in self._entries

    def cacheable(self, query: str) -> bool:
        return len(query.encode("utf-8", "surrogatepass")) <= self.max_document_bytes

    def document(self, query: str) -> DocumentNode | None:
        entry = self._entries.get(query)
        if entry is None:
            return None
        self._entries.move_to_end(query)
        return entry.document

    def add(self, query: str, document: DocumentNode) -> None:
        """Keep ``document`` unless it is too large to be worth it; evict until it fits."""
        if query in self._entries or not self.cacheable(query):
            return
        size = deep_size(document) + sys.getsizeof(query)
        if size > self.max_bytes:
            return
        while self._entries and self._bytes + size > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= evicted.size
        self._entries[query] = _Entry(document, size)
        self._bytes += size

    def derived(self, query: str, document: DocumentNode) -> dict | None:  # type: ignore[type-arg]
        """Where facts derived from ``document`` alone are remembered, when the cache holds it under
        ``query`` (None otherwise: whoever needs them derives them every time)."""
        entry = self._entries.get(query)
        return entry.derived if entry is not None and entry.document is document else None

    def is_valid(self, query: str, rules: RuleSet) -> bool:
        entry = self._entries.get(query)
        return entry is not None and rules in entry.valid_for

    def mark_valid(self, query: str, rules: RuleSet) -> None:
        """Only success is remembered: errors hold nodes of their document, and a portal does not
        send invalid documents (an attacker's are charged to its budget instead)."""
        entry = self._entries.get(query)
        if entry is not None:
            entry.valid_for.add(rules)

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0


DOCUMENTS = DocumentCache()


# ---- the per-caller budget ----------------------------------------------------------------------

class DocumentWork:
    """Per-caller buckets of CPU milliseconds for parsing and validating uncached documents: full at
    ``ms_per_minute``, refilled at that rate.  A request is admitted while the balance is
    positive and charged what it really cost afterwards (a document's cost is not known before
    it is parsed), so the last admitted request may overdraw; the caller then waits it off."""

    def __init__(self, ms_per_minute: int, clock: Callable[[], float] = time.monotonic,
                 cache: DocumentCache = DOCUMENTS, max_callers: int = 50_000) -> None:
        self.capacity_ms = float(ms_per_minute)
        self._rate_ms = ms_per_minute / 60.0  # per second
        self._clock = clock
        self._cache = cache
        self._buckets = CallerBuckets(max_callers)

    def admit(self, key: str, query: str | None) -> float:
        """0 when the request may go ahead, else the seconds until the caller's balance is positive
        again.  A document the cache knows is always admitted: it costs nothing."""
        if query is not None and query in self._cache:
            return 0.0
        balance = self._balance(key, self._clock())
        return 0.0 if balance > 0 else (1.0 - balance) / self._rate_ms

    def charge(self, key: str, cpu_ms: float) -> None:
        now = self._clock()
        self._buckets.put(key, self._balance(key, now) - cpu_ms, now)

    def balance_ms(self, key: str) -> float:
        return self._balance(key, self._clock())

    @contextlib.contextmanager
    def metering(self, key: str) -> Iterator[None]:
        """Charge the uncached parsing and validation done inside this block to ``key``."""
        token = _METER.set((self, key))
        try:
            yield
        finally:
            _METER.reset(token)

    def _balance(self, key: str, now: float) -> float:
        balance, last = self._buckets.get(key) or (self.capacity_ms, now)
        return min(self.capacity_ms, balance + (now - last) * self._rate_ms)


def caller_key(context: GatewayContext) -> str:
    """Whom a request's document work is charged to: the token subject, else the client address."""
    return context.identity.rate_key or f"addr:{context.client}"


_METER: ContextVar[tuple[DocumentWork, str] | None] = ContextVar("yrd_document_meter", default=None)


@contextlib.contextmanager
def _charged() -> Iterator[None]:
    """Measure the CPU time of the block (this thread's, so time spent waiting is not charged) and
    charge it to the request's caller, also when the block raises (a syntax error costs too)."""
    started = time.thread_time()
    try:
        yield
    finally:
        meter = _METER.get()
        if meter is not None:
            work, key = meter
            work.charge(key, (time.thread_time() - started) * 1000)


# ---- the schema extension -----------------------------------------------------------------------

class CachedDocuments(SchemaExtension):
    """Parse and validate through :data:`DOCUMENTS`; the work of a miss is charged to the caller.
    Runs after ``QueryLimits``, so a document over the token limit is never parsed here."""

    def on_parse(self) -> Iterator[None]:
        ctx = self.execution_context
        query = ctx.query
        if query and ctx.graphql_document is None:
            document = DOCUMENTS.document(query)
            if document is None:
                with _charged():
                    document = parse(query, **ctx.parse_options)
                    DOCUMENTS.add(query, document)
            ctx.graphql_document = document
        yield

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        query, document, rules = ctx.query, ctx.graphql_document, tuple(ctx.validation_rules)
        if query and document is not None and ctx.pre_execution_errors is None and rules:
            if DOCUMENTS.is_valid(query, rules):
                ctx.pre_execution_errors = []
            else:
                with _charged():
                    ctx.pre_execution_errors = validate_document(ctx.schema._schema, document, rules)
                if not ctx.pre_execution_errors:
                    DOCUMENTS.mark_valid(query, rules)
        yield
