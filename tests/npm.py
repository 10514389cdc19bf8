"""Node packages for tests that drive real JavaScript clients: installed from the npm registry at
test time into a fresh directory (never committed).  Such a test skips when ``node``/``npm`` are
missing, unless ``NODE_AUDIT_REQUIRED`` is set (``.ci/run`` sets it when npm exists)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import pytest

REQUIRE_NODE_ENV = "NODE_AUDIT_REQUIRED"


def skip_or_fail(reason: str, required_by: str) -> NoReturn:
    """Skip, or fail when the environment variable ``required_by`` says the test must run."""
    if os.environ.get(required_by):
        pytest.fail(f"{reason} (required because {required_by} is set)")
    pytest.skip(reason)


def npm_install(prefix: Path, packages: Sequence[str], needed_for: str) -> Path:
    """``packages`` installed under ``prefix`` (their ``node_modules``), for ``needed_for``."""
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        skip_or_fail(f"node and npm are needed for {needed_for}", REQUIRE_NODE_ENV)
    command = [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--loglevel=error", *packages]
    installed = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if installed.returncode != 0:
        pytest.fail(f"npm install failed:\n{installed.stderr[-2000:]}")
    return prefix
