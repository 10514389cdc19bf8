"""Bearer tokens → :class:`Identity`.

No ``Authorization`` header means ``PUBLIC``.  A header that is present but wrong (malformed,
expired, wrongly signed, another issuer or audience, unknown role) is an :class:`AuthError`: the
gateway answers HTTP 401 and never silently downgrades the caller to the public.

Claims: ``sub`` (who), ``org`` (organisation), ``province`` (division code, required for regulators
and reviewers), ``roles`` (some of regulator/reviewer/admin), plus ``iss``, ``aud``, ``exp``.
Only the configured algorithm is accepted, so an HS256 token can never pass as RS256 or "none".
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from typing import Any

import jwt

from domain.provinces import is_province_code
from gateway.settings import AuthSettings
from resolvers.identity import PUBLIC, REGULATOR, REVIEWER, ROLES, Identity

_REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]


class AuthError(Exception):
    """The request carried credentials that cannot be accepted; ``message`` is safe for clients."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Authenticator:
    """Checks bearer tokens against one ``[auth]`` configuration."""

    def __init__(self, settings: AuthSettings) -> None:
        self._settings = settings
        self._key = settings.secret if settings.algorithm == "HS256" else settings.public_key

    def identity(self, authorization: str | None) -> Identity:
        """The caller of a request, from its ``Authorization`` header value (or ``None``)."""
        if authorization is None:
            return PUBLIC
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("Authorization header must be 'Bearer <token>'")
        return identity_from_claims(self._decode(token.strip()))

    def _decode(self, token: str) -> dict[str, Any]:
        if not self._key:
            raise AuthError("this gateway accepts no tokens: [auth] has no key configured")
        s = self._settings
        try:
            return jwt.decode(
                token, self._key, algorithms=[s.algorithm], audience=s.audience, issuer=s.issuer,
                leeway=s.leeway_s, options={"require": _REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("token has expired") from None
        except jwt.InvalidSignatureError:
            raise AuthError("token signature is invalid") from None
        except jwt.InvalidAudienceError:
            raise AuthError(f"token audience is not {s.audience!r}") from None
        except jwt.InvalidIssuerError:
            raise AuthError(f"token issuer is not {s.issuer!r}") from None
        except jwt.MissingRequiredClaimError as exc:
            raise AuthError(f"token lacks the {exc.claim!r} claim") from None
        except jwt.InvalidAlgorithmError:
            raise AuthError(f"token must be signed with {s.algorithm}") from None
        except jwt.PyJWTError:
            raise AuthError("token is malformed") from None


def identity_from_claims(claims: dict[str, Any]) -> Identity:
    """Validate the gateway's own claims (PyJWT has checked signature, expiry, issuer, audience)."""
    roles = claims.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise AuthError("token claim 'roles' must be a list of strings")
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise AuthError(f"token carries unknown roles: {', '.join(unknown)} (known: {', '.join(ROLES)})")
    province = claims.get("province")
    if province is not None and not is_province_code(province):
        raise AuthError("token claim 'province' must be a province division code like 320000")
    if province is None and {REGULATOR, REVIEWER} & set(roles):
        raise AuthError("token of a regulator or reviewer must name its 'province'")
    org = claims.get("org")
    if org is not None and not isinstance(org, str):
        raise AuthError("token claim 'org' must be a string")
    return Identity(subject=str(claims["sub"]), org=org, province=province, roles=frozenset(roles))


def issue_token(
    settings: AuthSettings, *, subject: str, roles: Iterable[str], province: str | None = None,
    org: str | None = None, ttl_s: int = 3600, now: float | None = None,
) -> str:
    """A signed token for development and tests (HS256 secret, or an RS256 private key)."""
    key = settings.secret if settings.algorithm == "HS256" else settings.private_key
    if not key:
        raise AuthError(f"cannot issue {settings.algorithm} tokens: the configuration holds no signing key")
    if not 1 <= ttl_s <= settings.max_ttl_s:
        raise AuthError(f"ttl must be between 1 and {settings.max_ttl_s} seconds")
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "sub": subject, "roles": sorted(set(roles)), "iss": settings.issuer, "aud": settings.audience,
        "iat": issued, "exp": issued + ttl_s, "jti": uuid.uuid4().hex,
    }
    if province is not None:
        claims["province"] = province
    if org is not None:
        claims["org"] = org
    identity_from_claims(claims)  # never hand out a token the gateway would refuse
    return jwt.encode(claims, key, algorithm=settings.algorithm)
