"""A provincial identity provider's public keys: a JWKS file, re-read when it changes.

Each province runs its own identity provider and publishes its signing keys as a JSON Web Key Set.
The gateway reads the set from a file (provisioned next to the configuration), so a province can
rotate its keys by replacing the file: the next request sees the new set, no restart.  Only
asymmetric keys are accepted (RS256, ES256): a symmetric ``oct`` key in a JWKS would let anyone who
can read the file mint tokens.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import jwt

ALGORITHMS = ("RS256", "ES256")

log = logging.getLogger("yrd.gateway")


class JWKSError(ValueError):
    """A JWKS file cannot be used; the message names the file, never key material."""


def load_jwks(path: Path) -> tuple[jwt.PyJWK, ...]:
    """The RS256/ES256 public keys of a JWKS file (at least one), each with its ``kid`` if any."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeError):
        raise JWKSError(f"cannot read JWKS file {path}") from None
    try:
        keys = jwt.PyJWKSet.from_json(text).keys
    except (ValueError, jwt.PyJWTError, AttributeError):
        raise JWKSError(f"{path} is not a JSON Web Key Set with usable keys") from None
    if any(key.algorithm_name not in ALGORITHMS for key in keys):
        raise JWKSError(f"{path}: every key must be an {' or '.join(ALGORITHMS)} public key")
    if any(_is_private(key) for key in keys):
        raise JWKSError(f"{path} holds private key material: publish public keys only")
    return tuple(keys)


def _is_private(key: jwt.PyJWK) -> bool:
    return hasattr(key.key, "private_numbers")


class KeySet:
    """One issuer's keys, re-read whenever the file's identity (inode, size, mtime) changes.

    A file that cannot be read or parsed after a change (say, half-written) keeps the previous keys
    and is logged once; the next change is tried again.  A stat per request is cheaper than any
    timer and lets a rotation take effect at once.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stamp: tuple[int, int, int] | None = None
        self._keys: tuple[jwt.PyJWK, ...] = ()

    def key_for(self, kid: str | None) -> jwt.PyJWK | None:
        """The key a token's ``kid`` names; without a ``kid``, the set's only key (if it has one)."""
        self._refresh()
        if kid is None:
            return self._keys[0] if len(self._keys) == 1 else None
        return next((key for key in self._keys if key.key_id == kid), None)

    def _refresh(self) -> None:
        try:
            info = os.stat(self._path)
        except OSError:
            return  # a missing file keeps the last good keys: a rotation may be renaming it
        stamp = (info.st_ino, info.st_size, info.st_mtime_ns)
        if stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            self._keys = load_jwks(self._path)
        except JWKSError as exc:
            log.warning("JWKS not reloaded, keeping %d previous key(s): %s", len(self._keys), exc)
