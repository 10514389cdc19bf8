"""One caller cannot pin the gateway's memory or its CPU with unique documents (issue 8, item 4).

Before: strawberry's ``ParserCache(maxsize=512)`` and ``ValidationCache(maxsize=512)`` counted
entries, and a unique 15 KB document is ~0.9 MB of AST and tokens, so 1,200 of them pinned 1.2 GB;
and every unique document was parsed and validated on the event loop at the sender's pleasure.
Now the cache is bounded by bytes, large documents are not cached at all, and the CPU a caller
spends on documents the cache does not have is budgeted (HTTP 429 ``RATE_LIMITED`` past it).
No assertion here is about time: sizes are measured (``deep_size``, checked against
``tracemalloc``), and the budget test spends a 1 ms budget that any document overdraws.
"""

from __future__ import annotations

import dataclasses
import gc
import tracemalloc
from collections.abc import Iterator

import pytest
from graphql import parse

from gateway.caches import DOCUMENTS, DocumentCache, deep_size
from gateway.settings import Settings
from tests.conftest import Stack, running_client
from tests.tokens import bearer, post

LARGE_DOCUMENTS = 30


def large(i: int) -> str:
    """A unique ~15 KB document within every limit (90 fragments, ~800 tokens, depth 1): ~0.3 MB
    parsed, and no database to ask."""
    names = [f"F{i}_{n}_{'x' * 60}" for n in range(90)]
    fragments = "\n".join(f"fragment {name} on Query {{ __typename }}" for name in names)
    return f"query Large{i} {{ {' '.join('...' + name for name in names)} }}\n{fragments}"


def small(i: int) -> str:
    """A unique document of the size portals send (~1.5 KB)."""
    fields = " ".join(f"t{n}: __typename" for n in range(25))
    return f"query Small{i} {{ {fields} provinces {{ code name shortName }} }} # {'.' * 900}"


@pytest.fixture
def documents() -> Iterator[DocumentCache]:
    """The process-wide cache, emptied before and after (other tests only lose speed)."""
    DOCUMENTS.clear()
    yield DOCUMENTS
    DOCUMENTS.clear()


def _with_limits(stack: Stack, **limits: int) -> Settings:
    return dataclasses.replace(stack.settings, limits=dataclasses.replace(stack.settings.limits, **limits))


async def test_unique_large_documents_pin_no_memory(stack: Stack, documents: DocumentCache) -> None:
    async with running_client(stack.settings) as client:
        assert (await post(client, large(10_000))).status_code == 200  # warm up what is made once
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for i in range(LARGE_DOCUMENTS):
                response = await post(client, large(i))
                assert response.status_code == 200 and "errors" not in response.json()
            gc.collect()
            retained = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
    # Cached, they would hold ~0.3 MB each (~9 MB): what remains is the test's own bookkeeping.
    assert retained < 3 * 1024 * 1024, retained
    assert not any(large(i) in documents for i in range(LARGE_DOCUMENTS))
    assert documents.bytes <= documents.max_bytes


async def test_the_cache_stays_within_its_bytes(
    stack: Stack, documents: DocumentCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    bound = 400 * 1024  # a small bound, so that a few dozen documents overflow it
    monkeypatch.setattr(documents, "max_bytes", bound)
    async with running_client(stack.settings) as client:
        for i in range(60):
            assert (await post(client, small(i))).status_code == 200
            assert 0 < documents.bytes <= bound
        assert small(59) in documents and small(0) not in documents  # least recently used out first
        assert 5 < len(documents) < 60
        assert (await post(client, small(59))).json()["data"]["t0"] == "Query"  # a hit answers the same


def test_the_measured_size_is_what_the_document_holds() -> None:
    """``deep_size`` (what the bound counts) against what ``tracemalloc`` sees parsing allocate."""
    for text in (small(1000), large(1000)):
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            document = parse(text)
            gc.collect()
            allocated = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert 0.8 * allocated <= deep_size(document) <= 1.5 * allocated, (len(text), allocated, deep_size(document))


async def test_new_documents_past_the_callers_budget_are_429(stack: Stack, documents: DocumentCache) -> None:
    settings = _with_limits(stack, document_cpu_ms_per_minute=1)  # any parse overdraws it
    async with running_client(settings) as client:
        known = await post(client, small(0))
        assert known.status_code == 200
        statuses = [(await post(client, large(i))).status_code for i in range(3)]
        assert statuses[0] in (200, 429) and statuses[1:] == [429, 429], statuses
        refused = await post(client, large(99))
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        # What the cache knows costs nothing and still runs; another caller has a budget of its own.
        assert (await post(client, small(0))).status_code == 200
        regulator = bearer(settings, "regulator", "320000", sub="budget-bystander")
        assert (await post(client, large(100), regulator)).status_code == 200
