"""Bearer tokens → :class:`Identity`.

No ``Authorization`` header means ``PUBLIC``.  A header that is present but wrong (malformed,
expired, wrongly signed, another issuer or audience, unknown role) is an :class:`AuthError`: the
gateway answers HTTP 401 and never silently downgrades the caller to the public.

Claims: ``sub`` (who), ``org`` (organisation), ``province`` (division code, required for regulators
and reviewers), ``roles`` (some of regulator/reviewer/admin), plus ``iss``, ``aud``, ``iat``, ``exp``.

Two kinds of issuer are trusted:

* the gateway's own (``[auth]``: HS256 secret or RS256 public key), for development and for
  region-wide roles such as ``admin``; only the configured algorithm is accepted, so an HS256 token
  can never pass as RS256 or "none";
* each province's identity provider (``[[auth.issuers]]``, RS256/ES256 keys from a JWKS file,
  ``gateway.jwks``), which vouches for the officials of its one province only: a token from
  Zhejiang's provider naming a Jiangsu official is refused (CA mutual recognition, 身份互认).

On every request, whoever issued it: the lifetime ``exp - iat`` is at most ``max_ttl_s`` (a
long-lived token is refused even though the gateway never issued it), and a named province must be
one the gateway serves.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Collection, Iterable
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from domain.provinces import is_province_code
from gateway.jwks import JWKSError, KeySet, load_jwks
from gateway.settings import AuthSettings, IssuerSettings
from resolvers.identity import PUBLIC, REGULATOR, REVIEWER, ROLES, Identity

_REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]
# What a provincial identity provider may vouch for: officials of its province, never region-wide roles.
_PROVINCIAL_ROLES = frozenset({REGULATOR, REVIEWER})


class AuthError(Exception):
    """The request carried credentials that cannot be accepted; ``message`` is safe for clients."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Authenticator:
    """Checks bearer tokens against the ``[auth]`` configuration and the provinces served."""

    def __init__(self, settings: AuthSettings, provinces: Collection[str]) -> None:
        self._settings = settings
        self._provinces = frozenset(provinces)
        self._key = settings.secret if settings.algorithm == "HS256" else settings.public_key
        self._issuers = {i.issuer: _ProvincialIssuer(i) for i in settings.issuers}

    def identity(self, authorization: str | None) -> Identity:
        """The caller of a request, from its ``Authorization`` header value (or ``None``)."""
        if authorization is None:
            return PUBLIC
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("Authorization header must be 'Bearer <token>'")
        claims = self._decode(token.strip())
        _check_lifetime(claims, self._settings.max_ttl_s)
        identity = identity_from_claims(claims)
        if identity.province is not None and identity.province not in self._provinces:
            raise AuthError(f"token names province {identity.province}, which this gateway does not serve")
        return identity

    def _decode(self, token: str) -> dict[str, Any]:
        provincial = self._issuers.get(_unverified_issuer(token))
        if provincial is not None:
            return provincial.decode(token, self._settings)
        if not self._key:
            raise AuthError("this gateway accepts no tokens from this issuer: [auth] has no key configured")
        s = self._settings
        return _verified_claims(token, self._key, s.algorithm, s.issuer, s)


class _ProvincialIssuer:
    """A province's identity provider: its key set and the one province it vouches for."""

    def __init__(self, settings: IssuerSettings) -> None:
        self.settings = settings
        self._keys = KeySet(settings.jwks_file)

    def decode(self, token: str, auth: AuthSettings) -> dict[str, Any]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            raise AuthError("token is malformed") from None
        key = self._keys.key_for(kid if isinstance(kid, str) else None)
        if key is None:
            raise AuthError(f"token key id is not among the keys of issuer {self.settings.issuer!r}")
        claims = _verified_claims(token, key, key.algorithm_name, self.settings.issuer, auth)
        self._check_vouches_for(claims)
        return claims

    def _check_vouches_for(self, claims: dict[str, Any]) -> None:
        """A provincial provider speaks for its own province's officials, nobody else."""
        name, province, roles = self.settings.issuer, claims.get("province"), claims.get("roles", [])
        if province != self.settings.province:
            raise AuthError(f"issuer {name!r} vouches only for officials of {self.settings.province}")
        if not isinstance(roles, list) or not all(isinstance(r, str) and r in _PROVINCIAL_ROLES for r in roles):
            raise AuthError(f"issuer {name!r} may grant only the roles {', '.join(sorted(_PROVINCIAL_ROLES))}")


def _unverified_issuer(token: str) -> str | None:
    """The ``iss`` a token claims, read before its signature is checked: it only picks the key."""
    try:
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError:
        raise AuthError("token is malformed") from None
    return issuer if isinstance(issuer, str) else None


def _verified_claims(token: str, key: Any, algorithm: str, issuer: str, s: AuthSettings) -> dict[str, Any]:
    """PyJWT's checks (signature with exactly ``algorithm``, issuer, audience, expiry, required
    claims), each failure as a message safe for clients."""
    try:
        return jwt.decode(
            token, key, algorithms=[algorithm], audience=s.audience, issuer=issuer,
            leeway=s.leeway_s, options={"require": _REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise AuthError("token has expired") from None
    except jwt.ImmatureSignatureError:
        raise AuthError("token is not valid yet (iat or nbf in the future)") from None
    except jwt.InvalidSignatureError:
        raise AuthError("token signature is invalid") from None
    except jwt.InvalidAudienceError:
        raise AuthError(f"token audience is not {s.audience!r}") from None
    except jwt.InvalidIssuerError:
        raise AuthError("token issuer is not trusted by this gateway") from None
    except jwt.MissingRequiredClaimError as exc:
        raise AuthError(f"token lacks the {exc.claim!r} claim") from None
    except jwt.InvalidAlgorithmError:
        raise AuthError(f"token must be signed with {algorithm}") from None
    except jwt.PyJWTError:
        raise AuthError("token is malformed") from None


def _check_lifetime(claims: dict[str, Any], max_ttl_s: int) -> None:
    """Whoever issued it, a token lives at most ``max_ttl_s``: a stolen long-lived token must not
    work for years (PyJWT has checked that ``iat`` and ``exp`` are present and numeric)."""
    if int(claims["exp"]) - int(claims["iat"]) > max_ttl_s:
        raise AuthError(f"token lifetime (exp - iat) is longer than the {max_ttl_s} s this gateway accepts")


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
    """A signed token for development and tests.  An official of a province whose identity
    provider is configured with a private key is signed by that provider (as in production);
    anyone else by the gateway's own issuer (HS256 secret, or an RS256 private key)."""
    if not 1 <= ttl_s <= settings.max_ttl_s:
        raise AuthError(f"ttl must be between 1 and {settings.max_ttl_s} seconds")
    role_set = set(roles)
    provincial = settings.issuer_for(province) if province and role_set <= _PROVINCIAL_ROLES else None
    issuer = provincial.issuer if provincial else settings.issuer
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "sub": subject, "roles": sorted(role_set), "iss": issuer, "aud": settings.audience,
        "iat": issued, "exp": issued + ttl_s, "jti": uuid.uuid4().hex,
    }
    if province is not None:
        claims["province"] = province
    if org is not None:
        claims["org"] = org
    identity_from_claims(claims)  # never hand out a token the gateway would refuse
    if provincial is not None:
        return _sign_as_provider(claims, provincial)
    key = settings.secret if settings.algorithm == "HS256" else settings.private_key
    if not key:
        raise AuthError(f"cannot issue {settings.algorithm} tokens: the configuration holds no signing key")
    return jwt.encode(claims, key, algorithm=settings.algorithm)


def _sign_as_provider(claims: dict[str, Any], issuer: IssuerSettings) -> str:
    """Sign as a provincial identity provider, with the ``kid`` of its key in the JWKS file."""
    assert issuer.private_key_file is not None
    try:
        private = serialization.load_pem_private_key(issuer.private_key_file.read_bytes(), password=None)
        published = load_jwks(issuer.jwks_file)
    except (OSError, ValueError, TypeError, JWKSError):
        raise AuthError(f"cannot sign as issuer {issuer.issuer!r}: its key files are unreadable") from None
    if not isinstance(private, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise AuthError(f"cannot sign as issuer {issuer.issuer!r}: only RSA and EC P-256 keys are supported")
    numbers = private.public_key().public_numbers()
    match = next((k for k in published if k.key.public_numbers() == numbers), None)
    if match is None:
        raise AuthError(f"cannot sign as issuer {issuer.issuer!r}: its private key is not in its JWKS file")
    headers = {"kid": match.key_id} if match.key_id else None
    return jwt.encode(claims, private, algorithm=match.algorithm_name, headers=headers)
