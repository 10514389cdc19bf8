"""Real clients against a real gateway process (``yrd-gateway serve`` on a free local port):

* the official GraphQL-over-HTTP audit (``graphql-http``'s ``auditServer``, all 61 audits: MUST,
  SHOULD and MAY), from the npm registry at test time;
* ``@urql/core`` with its defaults, which sends a short query as GET;
* Python's ``gql`` client (httpx transport), public and with a bearer token;
* a browser (Debian's Chromium via Playwright) on a page from another origin whose script calls the
  gateway with ``fetch`` and a bearer token: an allowed origin passes the preflight, another is
  blocked by the browser.

The Node tests skip when ``node``/``npm`` are missing, unless ``NODE_AUDIT_REQUIRED`` is set (CI
sets it when npm exists); the browser test follows ``IDE_BROWSER_TEST_REQUIRED`` like the IDE's.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Stack
from tests.hardening.served import Served, serve_process, served_settings
from tests.http.test_ide_browser import CHROMIUM_ARGS, REQUIRE_BROWSER_ENV, _chromium
from tests.npm import REQUIRE_NODE_ENV, npm_install, skip_or_fail
from tests.tokens import bearer

NPM_PACKAGES = ("graphql-http@1.23.1", "graphql@16.15.0", "@urql/core@6.0.3")
AUDIT_COUNT = 61
# The browser's page comes from "localhost" (allowed: http://localhost:*); the gateway and the
# refused page from 127.0.0.1, an origin the configuration does not name.
CORS_ORIGINS = ["http://localhost:*"]
PROVINCES = "{ provinces { code name } }"


@pytest.fixture(scope="module")
def served(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    workdir = tmp_path_factory.mktemp("served-clients")
    settings = served_settings(stack, workdir / "spool", server={"cors_origins": CORS_ORIGINS},
                               limits={"public_rate_per_minute": 1_000_000, "identity_rate_per_minute": 1_000_000})
    with serve_process(settings, workdir) as served:
        yield served


@pytest.fixture(scope="module")
def node_modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """graphql-http and @urql/core installed from the npm registry into a fresh directory."""
    return npm_install(tmp_path_factory.mktemp("npm"), NPM_PACKAGES, "the graphql-http audit and urql")


def _node(node_modules: Path, script: str, *args: str) -> Any:
    """Run ``script`` (CommonJS) with the installed packages; its one line of stdout is JSON."""
    path = node_modules / "script.cjs"
    path.write_text(script, encoding="utf-8")
    env = {**os.environ, "NODE_PATH": str(node_modules / "node_modules")}
    done = subprocess.run(["node", str(path), *args], capture_output=True, text=True, timeout=120, env=env,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


AUDIT_SCRIPT = """
const { auditServer } = require('graphql-http');
auditServer({ url: process.argv[2] }).then((results) => {
  console.log(JSON.stringify(results.map((r) => ({ id: r.id, name: r.name, status: r.status, reason: r.reason }))));
});
"""

URQL_SCRIPT = """
const { Client, fetchExchange } = require('@urql/core');
const methods = [];
const recording = (url, init) => { methods.push((init && init.method) || 'GET'); return fetch(url, init); };
const client = new Client({ url: process.argv[2], exchanges: [fetchExchange], fetch: recording });
client.query(process.argv[3], {}).toPromise().then((result) => {
  console.log(JSON.stringify({ methods, data: result.data, error: result.error ? String(result.error) : null }));
});
"""


def test_the_graphql_over_http_audit_passes_entirely(served: Served, node_modules: Path) -> None:
    results = _node(node_modules, AUDIT_SCRIPT, f"{served.url}/graphql")
    failed = [f"{r['id']} {r['name']}: {r['reason']}" for r in results if r["status"] != "ok"]
    assert failed == [], "\n".join(failed)
    assert len(results) == AUDIT_COUNT


def test_urql_with_its_defaults_queries_by_get(served: Served, node_modules: Path) -> None:
    answer = _node(node_modules, URQL_SCRIPT, f"{served.url}/graphql", PROVINCES)
    assert answer["error"] is None, answer
    assert answer["methods"] == ["GET"]
    assert sorted(p["code"] for p in answer["data"]["provinces"]) == ["310000", "320000", "330000"]


def test_a_public_get_is_cacheable_on_the_wire(served: Served) -> None:
    response = httpx.get(f"{served.url}/graphql", params={"query": PROVINCES},
                         headers={"Accept": "application/graphql-response+json", "Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["cache-control"] == "public, max-age=30"
    # With CORS configured the answer also varies on Origin.
    assert response.headers["vary"] == "Accept, Authorization, Accept-Encoding, Origin"
    assert "server" not in response.headers


def test_the_python_gql_client(served: Served) -> None:
    from gql import Client, gql
    from gql.transport.httpx import HTTPXTransport

    public = Client(transport=HTTPXTransport(url=f"{served.url}/graphql"))
    answer = public.execute(gql(PROVINCES))
    assert sorted(p["code"] for p in answer["provinces"]) == ["310000", "320000", "330000"]

    query = gql("query ($c: String!) { __type(name: $c) { name } }")
    query.variable_values = {"c": "Province"}
    assert public.execute(query) == {"__type": {"name": "Province"}}

    headers = bearer(served.settings, "regulator", "320000", sub="gql-client")
    official = Client(transport=HTTPXTransport(url=f"{served.url}/graphql", headers=headers))
    assert len(official.execute(gql(PROVINCES))["provinces"]) == 3


# ---- a browser on another origin --------------------------------------------------------------

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>portal</title><link rel="icon" href="data:,"></head>
<body><script>
  // What a portal does: ask the gateway on its own origin, with the official's token.
  window.callGateway = async (gateway, token) => {
    try {
      const response = await fetch(gateway + "/graphql", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Authorization": "Bearer " + token,
                   "Accept": "application/graphql-response+json" },
        body: JSON.stringify({ query: "{ provinces { code } }" }),
      });
      return { status: response.status, body: await response.json() };
    } catch (error) {
      return { blocked: String(error) };
    }
  };
</script></body></html>
"""


class _PageHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:  # quiet: the test output is the assertions
        pass


@pytest.fixture(scope="module")
def page_port() -> Iterator[int]:
    """A second tiny HTTP server, on another port (so another origin), serving the portal page."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PageHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.mark.browser
def test_a_browser_on_another_origin_calls_the_gateway(served: Served, page_port: int) -> None:
    chromium = _chromium()
    if chromium is None:
        skip_or_fail("no Chromium binary (Debian: apt-get install chromium)", REQUIRE_BROWSER_ENV)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed (pip install -e '.[dev]')", REQUIRE_BROWSER_ENV)

    token = bearer(served.settings, "regulator", "320000", sub="portal")["Authorization"].removeprefix("Bearer ")
    # "localhost" must be the loopback the page server listens on, whatever the resolver says.
    args = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP localhost 127.0.0.1"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=args, headless=True)
        try:
            allowed = _call_from(browser, f"http://localhost:{page_port}/", served.url, token)
            refused = _call_from(browser, f"http://127.0.0.1:{page_port}/", served.url, token)
        finally:
            browser.close()

    assert allowed.get("status") == 200, allowed
    assert sorted(p["code"] for p in allowed["body"]["data"]["provinces"]) == ["310000", "320000", "330000"]
    assert "Failed to fetch" in refused.get("blocked", ""), refused


def _call_from(browser: Any, page_url: str, gateway: str, token: str) -> dict[str, Any]:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(page_url)
        return page.evaluate("([gateway, token]) => window.callGateway(gateway, token)", [gateway, token])
    finally:
        context.close()


def test_node_is_required_in_ci_when_npm_exists() -> None:
    """.ci/run sets NODE_AUDIT_REQUIRED when npm exists, so the audit cannot silently skip there."""
    script = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text(encoding="utf-8")
    assert f"export {REQUIRE_NODE_ENV}=1" in script
