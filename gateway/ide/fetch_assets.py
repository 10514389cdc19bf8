"""Fetch the GraphiQL IDE's JS/CSS from the npm registry into ``gateway/ide/assets``.

Run as ``python -m gateway.ide.fetch_assets`` (what ``make ide-assets`` does).
It runs ``npm pack`` for pinned package versions, checks each tarball against a
pinned sha512, and copies only the browser builds the page needs, plus their
licences, then writes ``manifest.json``, which :mod:`gateway.ide` reads.

* Idempotent: nothing is downloaded when the manifest already lists these
  versions and every file is present (``--force`` re-fetches).
* ``--from DIR`` installs from tarballs that were copied in, for machines that
  cannot reach any npm registry; the same hashes are checked.
* Exit status 0 on success, 1 with a message on stderr when npm is missing,
  the registry is unreachable or a tarball does not match.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gateway.ide import ASSET_DIR, MANIFEST_FORMAT, MANIFEST_NAME

# npm retries unreachable registries for about a minute; leave room for slow mirrors too.
NPM_TIMEOUT_SECONDS = 600


class FetchError(Exception):
    """A failure worth one clear line to the operator instead of a traceback."""


@dataclass(frozen=True)
class NpmAsset:
    """One npm package and the files taken from its tarball (paths below ``package/``)."""

    name: str
    version: str
    # sha512 of the .tgz (npm's dist.integrity): protects against a tampered mirror or copy.
    integrity: str
    scripts: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()
    extras: tuple[str, ...] = ("LICENSE",)

    @property
    def spec(self) -> str:
        """``name@version`` as npm takes it."""
        return f"{self.name}@{self.version}"

    @property
    def tarball_name(self) -> str:
        """File name ``npm pack`` gives the tarball (``@scope/pkg`` → ``scope-pkg-1.0.0.tgz``)."""
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}.tgz"

    @property
    def dest_dir(self) -> str:
        """Sub-directory of the asset dir; the version in it busts browser caches on upgrades."""
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}"


# Load order matters: GraphiQL's UMD bundle reads window.React and window.ReactDOM
# (its only externals; graphql-js and @graphiql/react are bundled in).  A later
# GraphiQL needing more globals only needs another entry here: the page loads
# every script listed in the manifest, in this order.  GraphiQL 5 ships no UMD
# build, so 3.8.3 (what strawberry 0.341's own page uses) is pinned.
ASSETS: tuple[NpmAsset, ...] = (
    NpmAsset(
        name="react",
        version="18.3.1",
        integrity="sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ==",
        scripts=("umd/react.production.min.js",),
    ),
    NpmAsset(
        name="react-dom",
        version="18.3.1",
        integrity="sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw==",
        scripts=("umd/react-dom.production.min.js",),
    ),
    NpmAsset(
        name="graphiql",
        version="3.8.3",
        integrity="sha512-cuPDYtXVKV86Pu5PHBX642Odi/uVEE2y1Jxq5rGO/Qy1G2lRp7ZZ7a/T30RzxhuLSWo9zUbzq0P3U49//H0Ugw==",
        scripts=("graphiql.min.js",),
        styles=("graphiql.min.css",),
    ),
)


def _wanted_packages(assets: Sequence[NpmAsset]) -> dict[str, str]:
    return {a.name: a.version for a in assets}


def is_installed(dest: Path, assets: Sequence[NpmAsset] = ASSETS) -> bool:
    """True when ``dest`` holds a complete install of exactly these package versions."""
    try:
        manifest = json.loads((dest / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if manifest.get("format") != MANIFEST_FORMAT or manifest.get("packages") != _wanted_packages(assets):
        return False
    files = [*manifest.get("scripts", []), *manifest.get("styles", [])]
    return bool(files) and all((dest / f).is_file() for f in files)


def sri_sha512(path: Path) -> str:
    """Subresource-integrity style sha512 of a file, the format of npm's dist.integrity."""
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode("ascii")


def _npm_error(stdout: str, stderr: str) -> str:
    """Shortest useful explanation from a failed ``npm pack --json`` run."""
    try:
        error = json.loads(stdout)["error"]
        return f"{error.get('code', 'error')}: {error.get('summary', '').strip()}"
    except (ValueError, KeyError, TypeError):
        lines = [ln for ln in stderr.splitlines() if ln.startswith("npm error")]
        return "\n".join(lines[:6]) or stderr.strip()[-500:] or "npm failed without a message"


def npm_pack(assets: Sequence[NpmAsset], into: Path) -> None:
    """Download the tarballs with ``npm pack``, honouring the user's npm config (mirror, proxy, cache)."""
    npm = shutil.which("npm")
    if npm is None:
        raise FetchError(
            "npm was not found on PATH. Install Node.js and npm (Debian: apt-get install npm), "
            "or install from tarballs made by `npm pack` elsewhere with --from DIR."
        )
    cmd = [npm, "pack", "--json", "--ignore-scripts", "--prefer-offline", "--pack-destination", str(into)]
    env = {**os.environ, "npm_config_update_notifier": "false", "npm_config_fund": "false"}
    try:
        proc = subprocess.run(
            [*cmd, *(a.spec for a in assets)],
            capture_output=True,
            text=True,
            env=env,
            timeout=NPM_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise FetchError(f"npm pack did not finish within {NPM_TIMEOUT_SECONDS} s") from exc
    if proc.returncode != 0:
        raise FetchError(
            "could not download the IDE packages from the npm registry "
            "(check network access and `npm config get registry`):\n" + _npm_error(proc.stdout, proc.stderr)
        )


def _verified_tarball(asset: NpmAsset, source: Path) -> Path:
    """Path of the asset's tarball in ``source`` after checking its pinned hash."""
    tarball = source / asset.tarball_name
    if not tarball.is_file():
        raise FetchError(f"{asset.spec}: {tarball} not found")
    actual = sri_sha512(tarball)
    if actual != asset.integrity:
        raise FetchError(f"{asset.spec}: {tarball.name} has integrity {actual}, expected {asset.integrity}")
    return tarball


def _extract_member(tar: tarfile.TarFile, member: str, target: Path) -> None:
    """Copy one regular file out of the tarball (never tar.extract: no path or link tricks)."""
    try:
        info = tar.getmember(f"package/{member}")
    except KeyError as exc:
        raise FetchError(f"{Path(tar.name or '?').name} has no package/{member}") from exc
    source = tar.extractfile(info) if info.isfile() else None
    if source is None:
        raise FetchError(f"package/{member} in {Path(tar.name or '?').name} is not a regular file")
    target.parent.mkdir(parents=True, exist_ok=True)
    with source, target.open("wb") as out:
        shutil.copyfileobj(source, out)


def extract(assets: Sequence[NpmAsset], source: Path, staging: Path) -> dict[str, object]:
    """Unpack the needed files of every verified tarball into ``staging``; return the manifest."""
    scripts: list[str] = []
    styles: list[str] = []
    for asset in assets:
        with tarfile.open(_verified_tarball(asset, source), "r:gz") as tar:
            for member in (*asset.scripts, *asset.styles, *asset.extras):
                relative = f"{asset.dest_dir}/{PurePosixPath(member).name}"
                _extract_member(tar, member, staging / relative)
                if member in asset.scripts:
                    scripts.append(relative)
                elif member in asset.styles:
                    styles.append(relative)
    return {
        "format": MANIFEST_FORMAT,
        "packages": _wanted_packages(assets),
        "scripts": scripts,
        "styles": styles,
    }


def install(staging: Path, manifest: dict[str, object], dest: Path) -> None:
    """Replace ``dest``'s contents with ``staging``'s; the manifest goes last.

    The page treats the assets as installed only once the manifest exists, so
    an interrupted run leaves the "not installed" page rather than a broken IDE.
    """
    dest.mkdir(parents=True, exist_ok=True)
    (dest / MANIFEST_NAME).unlink(missing_ok=True)
    for old in dest.iterdir():  # drop files of previously pinned versions
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old)
        else:
            old.unlink()
    for item in staging.iterdir():
        shutil.move(str(item), dest / item.name)
    tmp = dest / f"{MANIFEST_NAME}.tmp"
    tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    tmp.replace(dest / MANIFEST_NAME)


def fetch(
    dest: Path = ASSET_DIR,
    *,
    assets: Sequence[NpmAsset] = ASSETS,
    tarball_dir: Path | None = None,
    force: bool = False,
) -> bool:
    """Install the assets into ``dest``; return False when they were already there.

    Everything is downloaded and verified before ``dest`` is touched, so a
    failed run keeps a previous working install.
    """
    if not force and is_installed(dest, assets):
        return False
    with tempfile.TemporaryDirectory(prefix="ide-assets-") as tmp:
        work = Path(tmp)
        if tarball_dir is None:
            tarball_dir = work / "tarballs"
            tarball_dir.mkdir()
            npm_pack(assets, tarball_dir)
        staging = work / "staging"
        manifest = extract(assets, tarball_dir, staging)
        install(staging, manifest, dest)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the process exit status."""
    summary = (__doc__ or "").split("\n")[0]
    parser = argparse.ArgumentParser(prog="python -m gateway.ide.fetch_assets", description=summary)
    parser.add_argument("--dest", type=Path, default=ASSET_DIR, help="asset directory (default: %(default)s)")
    parser.add_argument("--from", dest="tarball_dir", type=Path, help="use these npm pack .tgz files, no npm")
    parser.add_argument("--force", action="store_true", help="re-fetch even when already installed")
    args = parser.parse_args(argv)
    specs = " ".join(a.spec for a in ASSETS)
    try:
        changed = fetch(args.dest, tarball_dir=args.tarball_dir, force=args.force)
    except (FetchError, OSError, tarfile.TarError) as exc:
        print(f"fetch_assets: error: {exc}", file=sys.stderr)
        return 1
    print(f"IDE assets {'installed' if changed else 'already up to date'} in {args.dest}: {specs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
