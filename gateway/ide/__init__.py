"""Offline GraphiQL for the gateway.

Strawberry's stock IDE page pulls React and GraphiQL from a public CDN, which
government networks cannot reach.  This package serves the same IDE from the
gateway itself: the JS/CSS files are fetched from the npm registry at build
time (``make ide-assets`` → :mod:`gateway.ide.fetch_assets`) into
:data:`ASSET_DIR`, which git ignores, and :class:`OfflineGraphQL` renders a
page that loads them from ``/ide/assets`` on the same server.

Wiring it into a Starlette app::

    app = Starlette(routes=[
        Route("/graphql", OfflineGraphQL(schema)),
        *ide_asset_routes(),
    ])
"""

from __future__ import annotations

import html
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from string import Template

import strawberry.asgi
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, NoMatchFound
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

__all__ = [
    "ASSET_DIR",
    "ASSET_ROUTE_NAME",
    "ASSET_URL_PREFIX",
    "MANIFEST_FORMAT",
    "MANIFEST_NAME",
    "PAGE_TITLE",
    "IdeAssets",
    "OfflineGraphQL",
    "ide_asset_routes",
    "read_manifest",
]

# Filled by `make ide-assets`; listed in .gitignore so vendored JS never lands in git.
ASSET_DIR: Path = Path(__file__).resolve().parent / "assets"
ASSET_URL_PREFIX = "/ide/assets"
# Named so the page can build asset URLs with url_for, which honours root_path
# when the gateway runs behind a reverse proxy under a sub-path.
ASSET_ROUTE_NAME = "ide-assets"
# Written last by fetch_assets: its presence means the download completed.
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
PAGE_TITLE = "长三角建筑市场信用网关 · Yangtze River Delta credit gateway"


@dataclass(frozen=True)
class IdeAssets:
    """What ``fetch_assets`` installed: files relative to the asset dir, in load order."""

    packages: dict[str, str]
    scripts: tuple[str, ...]
    styles: tuple[str, ...]


def _is_safe_relative(path: str) -> bool:
    """Reject manifest entries that could escape the asset dir or inject markup."""
    pure = PurePosixPath(path)
    return bool(path) and not pure.is_absolute() and ".." not in pure.parts and "\\" not in path


def read_manifest(asset_dir: Path | None = None) -> IdeAssets | None:
    """Return the installed assets, or ``None`` when any of them is missing or unreadable.

    Checked on every page load (a few stat calls) so that running
    ``make ide-assets`` takes effect without restarting the gateway.
    """
    asset_dir = ASSET_DIR if asset_dir is None else asset_dir
    try:
        raw = json.loads((asset_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
        if raw.get("format") != MANIFEST_FORMAT:
            return None
        assets = IdeAssets(
            packages={str(k): str(v) for k, v in raw["packages"].items()},
            scripts=tuple(str(p) for p in raw["scripts"]),
            styles=tuple(str(p) for p in raw["styles"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    files = assets.scripts + assets.styles
    if not assets.scripts or not all(_is_safe_relative(p) and (asset_dir / p).is_file() for p in files):
        return None
    return assets


# `$`-placeholders (string.Template) because the page's JS and CSS are full of braces.
# No absolute http(s) URL may appear here: the page must load nothing from outside.
_IDE_PAGE = Template("""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<link rel="icon" href="data:,">
$styles
<style>
  html, body { height: 100%; margin: 0; overflow: hidden; }
  #graphiql { height: 100vh; }
</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
$scripts
<script>
  // Same origin as the page, so the IDE never talks to any other host.
  var endpoint = window.location.href.split("?")[0].split("#")[0];
  var wsEndpoint = endpoint.replace(/^http/, "ws");
  var fetcher = GraphiQL.createFetcher({ url: endpoint, subscriptionUrl: wsEndpoint });
  var defaultQuery = $default_query;
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      inputValueDeprecation: true
    })
  );
</script>
</body>
</html>
""")

_MISSING_PAGE = Template("""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>$title</title>
<link rel="icon" href="data:,">
<style>
  body { font-family: sans-serif; max-width: 46em; margin: 3em auto; line-height: 1.5; padding: 0 1em; }
  code, pre { background: #f3f3f3; padding: 0.1em 0.3em; }
  pre { padding: 0.8em; overflow-x: auto; }
</style>
</head>
<body>
<h1>$title</h1>
<h2>GraphiQL IDE assets are not installed</h2>
<p>The in-browser IDE is served by the gateway itself (no CDN), but its JavaScript and CSS
files are not part of the git checkout. Build them once with:</p>
<pre>make ide-assets</pre>
<p>This runs <code>python -m gateway.ide.fetch_assets</code>, which needs <code>npm</code>
and access to the npm registry (a mirror configured in <code>npm config</code> works too).
On a machine without registry access, copy the pinned <code>.tgz</code> files made by
<code>npm pack</code> elsewhere and run <code>python -m gateway.ide.fetch_assets --from DIR</code>.
Reload this page afterwards; no restart is needed.</p>
<p>The GraphQL endpoint works without these files: send queries with
<code>POST $endpoint</code> and a JSON body, for example</p>
<pre>curl -X POST -H 'Content-Type: application/json' \\
     -d '{"query": "{ __typename }"}' &lt;gateway&gt;$endpoint</pre>
</body>
</html>
""")


_DEFAULT_QUERY = f"# {PAGE_TITLE}\n# Ctrl-Enter runs the query.\n\n{{\n  __typename\n}}\n"


def _js_string(value: str) -> str:
    """A JS string literal that is also safe inside <script> (no `</script>` break-out)."""
    return json.dumps(value).replace("<", "\\u003c")


def _asset_url(request: Request, relative: str) -> str:
    """Path of an asset on this server, respecting root_path when the route is registered."""
    try:
        return request.url_for(ASSET_ROUTE_NAME, path=relative).path
    except NoMatchFound:
        # The app did not use ide_asset_routes(); assume the conventional mount point.
        return f"{ASSET_URL_PREFIX}/{relative}"


def render_ide_page(request: Request, assets: IdeAssets) -> str:
    """HTML for GraphiQL whose every script and stylesheet comes from this server."""
    styles = "\n".join(f'<link rel="stylesheet" href="{html.escape(_asset_url(request, p))}">' for p in assets.styles)
    # Plain (non-module) scripts run in document order: React, ReactDOM, then GraphiQL's UMD
    # bundle, which reads them from window.React / window.ReactDOM.
    scripts = "\n".join(f'<script src="{html.escape(_asset_url(request, p))}"></script>' for p in assets.scripts)
    return _IDE_PAGE.substitute(
        title=html.escape(PAGE_TITLE),
        styles=styles,
        scripts=scripts,
        default_query=_js_string(_DEFAULT_QUERY),
    )


def render_missing_page(request: Request) -> str:
    """HTML explaining how to install the IDE assets and how to query without them."""
    return _MISSING_PAGE.substitute(title=html.escape(PAGE_TITLE), endpoint=html.escape(request.url.path))


class OfflineGraphQL(strawberry.asgi.GraphQL):
    """Strawberry's ASGI GraphQL app with a GraphiQL page that needs no internet.

    Strawberry calls ``render_graphql_ide`` for browser GETs (``Accept: text/html``,
    no ``query`` parameter) whenever ``graphql_ide`` is set; the choice between
    "graphiql", "apollo-sandbox" and "pathfinder" is ignored because only GraphiQL
    is vendored.  Pass ``graphql_ide=None`` to disable the page (404) as usual.
    """

    def __init__(self, *args: object, asset_dir: Path | None = None, **kwargs: object) -> None:
        """Accept strawberry's arguments plus ``asset_dir`` (default: :data:`ASSET_DIR`)."""
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # None = look up the module-level ASSET_DIR per request, so tests can monkeypatch it.
        self._asset_dir = asset_dir

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """Serve the offline IDE, or installation instructions when the assets are absent."""
        assets = read_manifest(self._asset_dir)
        if assets is None:
            # 200, not 5xx: the gateway is healthy, only the optional IDE is not built.
            return HTMLResponse(render_missing_page(request))
        return HTMLResponse(render_ide_page(request, assets))


# A vendored file's first path segment names its package and version (``graphiql-3.8.3/...``):
# its URL changes whenever its content can, so browsers may keep it for a year without asking.
IMMUTABLE = "public, max-age=31536000, immutable"
_VERSIONED = re.compile(r"[a-z0-9@._-]+-\d+\.\d+\.\d+[0-9A-Za-z.+-]*/.+")


def asset_cache_control(path: str) -> str:
    """``Cache-Control`` for the asset at ``path`` (relative to the asset dir): immutable when
    versioned, else (the manifest) revalidated on every use."""
    return IMMUTABLE if _VERSIONED.fullmatch(path.replace("\\", "/")) else "no-cache"


class _OptionalStaticFiles(StaticFiles):
    """StaticFiles that answers 404 (not 500) while the asset directory does not exist yet, and
    lets browsers keep versioned files for good."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            response.headers["Cache-Control"] = asset_cache_control(path)
        return response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a file, or a plain 404 hint when ``make ide-assets`` has not been run."""
        if self.directory is not None and not os.path.isdir(self.directory):
            # Stock StaticFiles raises RuntimeError here, i.e. a 500 and a traceback per request.
            hint = "GraphiQL assets are not installed; run `make ide-assets`.\n"
            await PlainTextResponse(hint, status_code=404)(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def ide_asset_routes(asset_dir: Path | None = None) -> list[BaseRoute]:
    """Routes serving the vendored IDE files under ``/ide/assets``.

    ``check_dir=False`` lets the gateway start before ``make ide-assets`` was
    run; requests for the files then simply get 404 and the IDE page explains why.
    """
    directory = ASSET_DIR if asset_dir is None else asset_dir
    static = _OptionalStaticFiles(directory=directory, check_dir=False)
    return [Mount(ASSET_URL_PREFIX, app=static, name=ASSET_ROUTE_NAME)]
