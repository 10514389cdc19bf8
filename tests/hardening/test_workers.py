"""``yrd-gateway serve --workers 2``: two processes share the port, each with its own pools, and
``/metrics`` from whichever worker answers counts every worker's requests."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Stack
from tests.hardening.served import served_settings, start_process

REQUESTS = 24


def _count(metrics_text: str, operation: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(metrics_text)
        for sample in family.samples
        if sample.name == "yrd_requests_total" and sample.labels.get("operation") == operation
    )


async def test_two_workers_share_the_port_and_their_metrics(stack: Stack, tmp_path: Path) -> None:
    settings = served_settings(stack, tmp_path / "spool")
    process, port = await asyncio.to_thread(start_process, settings, tmp_path, "--workers", "2", sync=True)
    base = f"http://127.0.0.1:{port}"
    try:
        pids: set[int] = set()
        for _ in range(REQUESTS):  # a new connection each time: the kernel hands them to either worker
            async with httpx.AsyncClient() as client:
                pids.add((await client.get(f"{base}/livez")).json()["pid"])
                answer = await client.post(f"{base}/graphql", json={"query": "query Probe { __typename }"})
                assert answer.status_code == 200
        scrapes = []
        for _ in range(4):
            async with httpx.AsyncClient() as client:
                scrapes.append(_count((await client.get(f"{base}/metrics")).text, "Probe"))
    finally:
        process.send_signal(signal.SIGTERM)
        exit_code = await asyncio.to_thread(process.wait, 30)
    assert len(pids) == 2, f"one worker answered everything: {pids}"
    assert process.pid not in pids  # the parent only supervises
    assert scrapes == [REQUESTS] * 4  # whichever worker is scraped, every worker's requests count
    assert exit_code == 0
