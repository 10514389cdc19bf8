"""Issue 8, item 5: ``X-Forwarded-For`` is believed only from configured proxies (default none).

Before: uvicorn trusted the header from loopback, so a client on the same host (or behind a local
proxy) chose its own address: a rotating header bought a fresh public rate-limit budget with every
request, and a spoofed address was written into the audit log."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from gateway.app import create_app
from gateway.forwarded import client_address
from gateway.settings import SettingsError
from tests.conftest import Stack
from tests.hardening.served import Served, serve_process, served_settings
from tests.tokens import bearer

PERSON = """query ProxyLookup($t: IdType!, $n: String!) { person(idType: $t, idNumber: $n) { name } }"""
PROVINCES = "{ provinces { code } }"


@pytest.fixture(scope="module")
def served(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A gateway process with the default [server] (no trusted proxies), 5 public requests a minute."""
    workdir = tmp_path_factory.mktemp("served-proxies")
    settings = served_settings(stack, workdir / "spool", limits={"public_rate_per_minute": 5})
    with serve_process(settings, workdir) as served:
        yield served


async def _audited_client(settings, actor: str, seconds: float = 10) -> str | None:
    """The client address the central audit log holds for ``actor``'s entry (waits for delivery)."""
    deadline = time.monotonic() + seconds
    conn = await asyncpg.connect(settings.central.dsn)
    try:
        while time.monotonic() < deadline:
            row = await conn.fetchrow("SELECT client_addr FROM central.audit_log WHERE actor = $1", actor)
            if row is not None:
                return row["client_addr"]
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
    raise AssertionError(f"no audit entry for {actor} within {seconds} s")


async def test_a_rotating_forwarded_for_does_not_buy_a_fresh_rate_budget(served: Served) -> None:
    async with httpx.AsyncClient(base_url=served.url, timeout=10) as client:
        statuses = [
            (await client.post("/graphql", json={"query": PROVINCES},
                               headers={"X-Forwarded-For": f"203.0.113.{i}"})).status_code
            for i in range(1, 9)
        ]
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429] * 3, statuses


async def test_a_spoofed_forwarded_for_never_reaches_the_audit_log(served: Served, stack: Stack) -> None:
    key = stack.case("dual_registration_person")["key"]
    actor = f"proxy-spoof-{uuid.uuid4().hex[:8]}"
    headers = {**bearer(served.settings, "regulator", "320000", sub=actor), "X-Forwarded-For": "6.6.6.6"}
    async with httpx.AsyncClient(base_url=served.url, timeout=10) as client:
        response = await client.post("/graphql", headers=headers,
                                     json={"query": PERSON, "variables": {"t": key["idType"], "n": key["idNumber"]}})
    assert response.status_code == 200 and response.json()["data"]["person"], response.text
    assert await _audited_client(served.settings, actor) == "127.0.0.1"


@contextlib.asynccontextmanager
async def _behind_proxy(stack: Stack, tmp: Path, proxies: list[str], peer: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app configured to trust ``proxies``, reached in-process from the address ``peer``."""
    settings = served_settings(stack, tmp / "spool", server={"trusted_proxies": proxies},
                               limits={"public_rate_per_minute": 5})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(peer, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            client.settings = settings  # type: ignore[attr-defined]
            yield client


async def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client(stack: Stack, tmp_path: Path) -> None:
    key = stack.case("dual_registration_person")["key"]
    actor = f"proxy-trusted-{uuid.uuid4().hex[:8]}"
    async with _behind_proxy(stack, tmp_path, ["10.0.0.0/8"], "10.1.2.3") as client:
        # The client wrote "6.6.6.6"; the proxies 10.9.9.9 and 10.1.2.3 saw 198.51.100.7 connect.
        headers = {**bearer(client.settings, "regulator", "320000", sub=actor),  # type: ignore[attr-defined]
                   "X-Forwarded-For": "6.6.6.6, 198.51.100.7, 10.9.9.9"}
        response = await client.post("/graphql", headers=headers,
                                     json={"query": PERSON, "variables": {"t": key["idType"], "n": key["idNumber"]}})
        assert response.status_code == 200, response.text
        assert await _audited_client(client.settings, actor) == "198.51.100.7"  # type: ignore[attr-defined]
        # The public budget follows that address, whatever the client writes left of it.
        statuses = [(await client.post("/graphql", json={"query": PROVINCES},
                                       headers={"X-Forwarded-For": f"6.6.6.{i}, 198.51.100.8"})).status_code
                    for i in range(8)]
        assert statuses == [200] * 5 + [429] * 3  # the bucket holds a burst of 5


async def test_an_untrusted_peer_is_the_client_whatever_it_forwards(stack: Stack, tmp_path: Path) -> None:
    async with _behind_proxy(stack, tmp_path, ["10.0.0.0/8"], "192.0.2.50") as client:
        statuses = [(await client.post("/graphql", json={"query": PROVINCES},
                                       headers={"X-Forwarded-For": f"10.0.0.{i}"})).status_code for i in range(8)]
    assert statuses == [200] * 5 + [429] * 3


NETS = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8")]


@pytest.mark.parametrize(("peer", "forwarded", "trusted", "expected"), [
    ("127.0.0.1", [b"6.6.6.6"], [], "127.0.0.1"),                                  # default: nobody trusted
    ("192.0.2.1", [b"6.6.6.6"], NETS, "192.0.2.1"),                                # peer not a proxy
    ("10.0.0.1", [b"6.6.6.6, 198.51.100.7"], NETS, "198.51.100.7"),                # right-most untrusted hop
    ("10.0.0.1", [b"6.6.6.6, 198.51.100.7", b"10.2.2.2"], NETS, "198.51.100.7"),  # headers joined in order
    ("10.0.0.1", [b"198.51.100.7, not-an-ip, 10.3.3.3"], NETS, "10.3.3.3"),       # free text ends the walk
    ("10.0.0.1", [], NETS, "10.0.0.1"),                                           # a proxy's own request
    ("10.0.0.1", [b"10.5.5.5"], NETS, "10.5.5.5"),                                 # every hop trusted
    ("fd00::1", [b"2001:db8::9"], NETS, "2001:db8::9"),
    ("::ffff:10.0.0.1", [b"198.51.100.7"], NETS, "198.51.100.7"),                  # IPv4 over an IPv6 socket
])
def test_client_address(peer: str, forwarded: list[bytes], trusted: list, expected: str) -> None:
    assert client_address(peer, forwarded, trusted) == expected


@pytest.mark.parametrize(("server", "key"), [
    ({"trusted_proxies": ["10.0.0.0/33"]}, "server.trusted_proxies"),
    ({"trusted_proxies": "10.0.0.0/8"}, "server.trusted_proxies"),
    ({"header_timeout_ms": 0}, "server.header_timeout_ms"),
    ({"max_authorization_bytes": 20000}, "server.max_authorization_bytes"),
    ({"trusted_proxy": []}, "trusted_proxy"),
])
def test_bad_server_settings_name_the_key(stack: Stack, tmp_path: Path, server: dict, key: str) -> None:
    with pytest.raises(SettingsError, match=key):
        served_settings(stack, tmp_path, server=server)
