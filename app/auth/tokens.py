"""Bearer tokens: HS256 with a secret in embedded mode, RS256 from the identity provider's
key set (JWKS) in production. A token names its subject (``sub``: an employee id for
employees and managers) and one role (``role``); it always expires (``exp``)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import jwt

from app.access import PERSONAL_ROLES, ROLES
from app.aggregates import Actor
from app.consent.cipher import derive_secret
from app.settings import Settings

#: Clock difference between the identity provider and this server that is forgiven.
LEEWAY_SECONDS = 30
DEV_TOKEN_SECONDS = 8 * 3600


class TokenRejected(Exception):
    """A token that cannot be trusted; ``reason`` says why, for the 401 answer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (jwt.ExpiredSignatureError, "the token has expired"),
    (jwt.ImmatureSignatureError, "the token is not valid yet"),
    (jwt.InvalidSignatureError, "the token's signature does not match"),
    (jwt.InvalidAlgorithmError, "the token is signed with an algorithm this server refuses"),
    (jwt.InvalidAudienceError, "the token is meant for another audience"),
    (jwt.InvalidIssuerError, "the token comes from another issuer"),
    (jwt.PyJWKClientError, "the token's signing key is not in the identity provider's key set"),
    (jwt.DecodeError, "the token is malformed"),
)


@dataclass(frozen=True)
class TokenVerifier:
    """Turns a bearer token into the actor it speaks for, or refuses it with a reason."""

    secret: bytes | None
    jwks: jwt.PyJWKClient | None
    audience: str = ""
    issuer: str = ""

    @classmethod
    def for_settings(cls, settings: Settings, master_key: bytes) -> TokenVerifier:
        jwks = jwt.PyJWKClient(settings.jwks_url, lifespan=300) if settings.jwks_url else None
        return cls(
            secret=signing_secret(settings, master_key),
            jwks=jwks,
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
        )

    def actor(self, token: str) -> Actor:
        claims = self._claims(token)
        subject, role = str(claims["sub"]), str(claims["role"])
        if role not in ROLES:
            raise TokenRejected(f"the token's role {role!r} is not one of {', '.join(ROLES)}")
        if role in PERSONAL_ROLES:
            try:
                subject = str(UUID(subject))
            except ValueError:
                raise TokenRejected(f"a {role} token's subject must be an employee id") from None
        return Actor(id=subject, role=role)

    def _claims(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
            if self.jwks is not None and header.get("alg") == "RS256":
                key: Any = self.jwks.get_signing_key_from_jwt(token).key
                algorithms = ["RS256"]
            elif self.secret is not None:
                key, algorithms = self.secret, ["HS256"]
            else:
                raise TokenRejected("the token must be signed with RS256 by the identity provider")
            return jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self.audience or None,
                issuer=self.issuer or None,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "sub", "role"], "verify_aud": bool(self.audience)},
            )
        except jwt.MissingRequiredClaimError as error:
            raise TokenRejected(f"the token has no {error.claim!r} claim") from None
        except jwt.PyJWTError as error:
            reason = next((r for kind, r in _REASONS if isinstance(error, kind)), None)
            raise TokenRejected(reason or "the token is not valid") from None


def signing_secret(settings: Settings, master_key: bytes) -> bytes | None:
    """The HS256 secret: configured, or (embedded mode only) derived from the master key."""
    if settings.jwt_secret:
        return settings.jwt_secret.encode()
    if settings.jwks_url:
        return None
    return derive_secret(master_key, "jwt")


def mint_token(
    secret: bytes,
    *,
    role: str,
    subject: str,
    seconds: int = DEV_TOKEN_SECONDS,
    audience: str = "",
    issuer: str = "",
) -> str:
    """An HS256 token for development and tests (production tokens come from the IdP)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    now = int(time.time())
    claims: dict[str, Any] = {"sub": subject, "role": role, "iat": now, "exp": now + seconds}
    if audience:
        claims["aud"] = audience
    if issuer:
        claims["iss"] = issuer
    return jwt.encode(claims, secret, algorithm="HS256")


def bearer(header: str | None) -> str:
    """The token of an ``Authorization: Bearer ...`` header."""
    if not header:
        raise TokenRejected("a bearer token is required (Authorization: Bearer <token>)")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRejected("the Authorization header must read: Bearer <token>")
    return token.strip()
