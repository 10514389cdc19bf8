"""GraphiQL must work on networks without internet access.

The browser test serves a tiny schema through :class:`gateway.ide.OfflineGraphQL`
with real uvicorn, drives the page in headless Chromium (Debian's package, via
Playwright's bundled driver; no browser download) and checks that a query runs
and that the page asked no host but 127.0.0.1.  The other tests need no browser:
they check the HTML, the "assets missing" page and ``fetch_assets`` on small
tarballs made here, so they run offline and without npm.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import socket
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

import httpx
import pytest
import strawberry
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route

import gateway.ide as ide
from gateway.ide import (
    MANIFEST_NAME,
    PAGE_TITLE,
    OfflineGraphQL,
    fetch_assets,
    ide_asset_routes,
    read_manifest,
)
from gateway.ide.fetch_assets import FetchError, NpmAsset

if TYPE_CHECKING:  # playwright is optional: only the browser test needs it
    from playwright.sync_api import Page

GREETING = "你好, Yangtze River Delta"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# Quiet, offline-friendly Chromium: no sandbox (root in CI), no update or sync traffic.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Set in CI once Chromium and `make ide-assets` are part of it, so the browser test
# cannot silently turn into a skip.
REQUIRE_BROWSER_ENV = "IDE_BROWSER_TEST_REQUIRED"


@strawberry.type
class Query:
    """The smallest schema that proves a round trip through the IDE."""

    @strawberry.field
    def hello(self) -> str:
        """A fixed answer the test looks for in the result pane."""
        return GREETING


def make_app() -> Starlette:
    """The IDE wiring as the gateway uses it; reads ``gateway.ide.ASSET_DIR`` now."""
    graphql = OfflineGraphQL(strawberry.Schema(query=Query))
    return Starlette(routes=[Route("/graphql", graphql), *ide_asset_routes()])


def asgi_client() -> httpx.AsyncClient:
    """In-process client: no server, no sockets."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=make_app()), base_url="http://gateway.test")


# ---------------------------------------------------------------------------
# Fake npm tarballs, shaped like the real ones (package/<path> members).


def _tarball(path: Path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _sri(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def fake_tarballs(directory: Path) -> list[NpmAsset]:
    """Tarballs for stand-ins of react and graphiql, with their pinned hashes."""
    directory.mkdir(parents=True, exist_ok=True)
    react = directory / "react-1.0.0.tgz"
    _tarball(react, {"umd/react.production.min.js": b"window.React={};", "LICENSE": b"MIT"})
    graphiql = directory / "graphiql-2.0.0.tgz"
    _tarball(
        graphiql,
        {"graphiql.min.js": b"window.GraphiQL={};", "graphiql.min.css": b"body{}", "LICENSE": b"MIT"},
    )
    return [
        NpmAsset("react", "1.0.0", _sri(react), scripts=("umd/react.production.min.js",)),
        NpmAsset("graphiql", "2.0.0", _sri(graphiql), scripts=("graphiql.min.js",), styles=("graphiql.min.css",)),
    ]


def external_urls(page: str) -> list[str]:
    """Every absolute http(s) or protocol-relative URL in the page."""
    return re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s\"'<>]*", page)


# ---------------------------------------------------------------------------
# Browser-free checks.


async def test_ide_page_loads_only_local_assets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assets_dir = tmp_path / "assets"
    fetch_assets.fetch(assets_dir, assets=fake_tarballs(tmp_path / "tgz"), tarball_dir=tmp_path / "tgz")
    monkeypatch.setattr(ide, "ASSET_DIR", assets_dir)

    async with asgi_client() as client:
        response = await client.get("/graphql", headers={"Accept": "text/html"})
        assert response.status_code == 200
        page = response.text
        assert f"<title>{PAGE_TITLE}</title>" in page
        assert "http://" not in page and "https://" not in page and external_urls(page) == []

        # Each script/stylesheet is ours, in manifest order, and actually served.
        refs = re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)"', page)
        assert refs == [
            "/ide/assets/graphiql-2.0.0/graphiql.min.css",
            "/ide/assets/react-1.0.0/react.production.min.js",
            "/ide/assets/graphiql-2.0.0/graphiql.min.js",
        ]
        for ref in refs:
            assert (await client.get(ref)).status_code == 200


async def test_missing_assets_page_says_how_to_get_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ide, "ASSET_DIR", tmp_path / "not-fetched")

    async with asgi_client() as client:
        response = await client.get("/graphql", headers={"Accept": "text/html"})
        assert response.status_code == 200
        assert "make ide-assets" in response.text and "not installed" in response.text
        assert "POST /graphql" in response.text
        assert "http://" not in response.text and "https://" not in response.text
        # The asset mount answers 404 rather than crashing while the directory is absent.
        assert (await client.get("/ide/assets/graphiql-3.8.3/graphiql.min.js")).status_code == 404
        # The API itself needs none of it.
        answer = await client.post("/graphql", json={"query": "{ hello }"})
        assert answer.json() == {"data": {"hello": GREETING}}


def test_fetch_assets_is_idempotent_and_verifies_tarballs(tmp_path: Path) -> None:
    tgz, dest = tmp_path / "tgz", tmp_path / "assets"
    assets = fake_tarballs(tgz)

    assert fetch_assets.fetch(dest, assets=assets, tarball_dir=tgz) is True
    assert fetch_assets.fetch(dest, assets=assets, tarball_dir=tgz) is False  # already there
    manifest = json.loads((dest / MANIFEST_NAME).read_text())
    assert manifest["packages"] == {"react": "1.0.0", "graphiql": "2.0.0"}
    assert (dest / "react-1.0.0" / "LICENSE").is_file()
    installed = read_manifest(dest)
    assert installed is not None and installed.styles == ("graphiql-2.0.0/graphiql.min.css",)

    # A tarball that does not match its pinned hash is refused and the old install stays.
    _tarball(tgz / "react-1.0.0.tgz", {"umd/react.production.min.js": b"evil()", "LICENSE": b"MIT"})
    with pytest.raises(FetchError, match="integrity"):
        fetch_assets.fetch(dest, assets=assets, tarball_dir=tgz, force=True)
    assert read_manifest(dest) == installed


def test_fetch_assets_without_npm_fails_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no npm anywhere

    assert fetch_assets.main(["--dest", str(tmp_path / "assets")]) == 1
    assert "npm was not found" in capsys.readouterr().err
    assert not (tmp_path / "assets").exists()


def test_pinned_assets_include_react_globals_before_graphiql() -> None:
    # GraphiQL's UMD bundle reads window.React and window.ReactDOM when it loads.
    names = [asset.name for asset in fetch_assets.ASSETS]
    assert names.index("react") < names.index("react-dom") < names.index("graphiql")


# ---------------------------------------------------------------------------
# The real thing: a browser, a server on loopback, no network.


def _skip_or_fail(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE_BROWSER_ENV):
        pytest.fail(f"{reason} (required because {REQUIRE_BROWSER_ENV} is set)")
    pytest.skip(reason)


def _chromium() -> str | None:
    found = [path for path in CHROMIUM_CANDIDATES if os.access(path, os.X_OK)]
    return found[0] if found else shutil.which("chromium")


@pytest.fixture
def live_server() -> Iterator[str]:
    """uvicorn on a free 127.0.0.1 port in a background thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # bound before uvicorn starts: no race for the port
    port = sock.getsockname()[1]
    config = uvicorn.Config(make_app(), log_level="warning", lifespan="off", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"data", "blob", "about"} or parts.hostname == "127.0.0.1"


@pytest.mark.browser
def test_graphiql_runs_a_query_offline_in_chromium(live_server: str) -> None:
    chromium = _chromium()
    if chromium is None:
        _skip_or_fail("no Chromium binary (Debian: apt-get install chromium)")
    if read_manifest() is None:
        _skip_or_fail(f"GraphiQL assets not fetched into {ide.ASSET_DIR} (run `make ide-assets`)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _skip_or_fail("playwright is not installed (pip install -e '.[dev]')")

    requested: list[str] = []
    page_errors: list[str] = []
    ui_failure: AssertionError | None = None
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context()
            context.on("request", lambda request: requested.append(request.url))
            # Anything off-host is aborted at once (and still recorded above), so a
            # regression fails the assertion below instead of hanging on a dead network.
            context.route("**/*", lambda route: route.continue_() if _is_loopback(route.request.url) else route.abort())
            page = context.new_page()
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            page.on("websocket", lambda ws: requested.append(ws.url))
            try:
                _run_hello_query(page, live_server, expect)
            except AssertionError as exc:
                ui_failure = exc  # reported after the off-host check, the likelier root cause
        finally:
            browser.close()

    assert [url for url in requested if not _is_loopback(url)] == [], "the IDE contacted other hosts"
    assert page_errors == []
    if ui_failure is not None:
        raise ui_failure
    assert f"{live_server}/graphql" in requested


def _run_hello_query(page: Page, base_url: str, expect: Callable[..., Any]) -> None:
    """Open the IDE, put `{ hello }` in the editor, press run and read the answer."""
    page.goto(f"{base_url}/graphql")
    expect(page).to_have_title(PAGE_TITLE)
    editor = page.locator(".graphiql-query-editor .CodeMirror")
    expect(editor).to_be_visible(timeout=10_000)
    # setValue on GraphiQL's CodeMirror 5 instance: typing would fight auto-closing brackets.
    editor.evaluate("(element, query) => element.CodeMirror.setValue(query)", "{ hello }")
    page.get_by_role("button", name="Execute query (Ctrl-Enter)").click()
    expect(page.locator(".graphiql-response")).to_contain_text(f'"hello": "{GREETING}"')
