"""``yrd-gateway serve --workers 2``: two processes share the port, each with its own pools, and
``/metrics`` from whichever worker answers counts every worker's requests."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from gateway.settings import render_toml
from tests.conftest import Stack
from tests.hardening.served import REPO, _free_port, _wait_until_up, served_settings

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
    config = tmp_path / "gateway.toml"
    config.write_text(render_toml(settings), encoding="utf-8")
    port = _free_port()
    log = (tmp_path / "serve.log").open("wb")
    command = [sys.executable, "-c", "import sys; from gateway.cli import main; sys.exit(main())",
               "serve", "--config", str(config), "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        await asyncio.to_thread(_wait_until_up, process, port, tmp_path / "serve.log")
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
        log.close()
    assert len(pids) == 2, f"one worker answered everything: {pids}"
    assert process.pid not in pids  # the parent only supervises
    assert scrapes == [REQUESTS] * 4  # whichever worker is scraped, every worker's requests count
    assert exit_code == 0
