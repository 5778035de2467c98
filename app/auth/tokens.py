"""Bearer tokens: HS256 with a secret in embedded mode, RS256 from the identity provider's
key set (JWKS) in production. A token names its subject and one role; it always expires
(``exp``).

Skillpath's own (HS256) tokens carry ``sub`` (an employee id for employees and managers)
and ``role``. An identity provider's tokens are read as its settings say: which claim
holds the role and how its values map to Skillpath's roles (``SKILLPATH_JWT_ROLE_CLAIM``,
``SKILLPATH_JWT_ROLE_MAP``), and which claim names the employee (``sub``, or ``email``
looked up through the employees' email claims: ``SKILLPATH_JWT_EMPLOYEE_CLAIM``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import jwt

from app.access import PERSONAL_ROLES, ROLES
from app.aggregates import Actor
from app.consent.cipher import derive_secret
from app.settings import Settings, parse_role_map

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
class ClaimMapping:
    """How an identity provider's claims name the role and the employee."""

    role_claim: str = "role"
    #: Identity-provider value -> Skillpath role; empty: the values are Skillpath roles.
    role_values: Mapping[str, str] = field(default_factory=dict)
    employee_claim: str = "sub"

    def role(self, claims: Mapping[str, Any]) -> str:
        found: Any = claims
        for part in self.role_claim.split("."):
            found = found.get(part) if isinstance(found, Mapping) else None
        values = found if isinstance(found, list) else [found]
        for value in values:
            if not isinstance(value, str):
                continue
            role = self.role_values.get(value) if self.role_values else value
            if role in ROLES:
                return role
        if found is None:
            raise TokenRejected(f"the token has no {self.role_claim!r} claim")
        raise TokenRejected(f"the token's {self.role_claim!r} claim maps to no Skillpath role")


@dataclass(frozen=True)
class TokenVerifier:
    """Turns a bearer token into the actor it speaks for, or refuses it with a reason."""

    secret: bytes | None
    jwks: jwt.PyJWKClient | None
    audience: str = ""
    issuer: str = ""
    mapping: ClaimMapping = field(default_factory=ClaimMapping)
    #: The employee holding an email address (for ``employee_claim = "email"``).
    find_by_email: Callable[[str], UUID | None] | None = None

    @classmethod
    def for_settings(
        cls,
        settings: Settings,
        master_key: bytes,
        find_by_email: Callable[[str], UUID | None] | None = None,
    ) -> TokenVerifier:
        jwks = jwt.PyJWKClient(settings.jwks_url, lifespan=300) if settings.jwks_url else None
        return cls(
            secret=signing_secret(settings, master_key),
            jwks=jwks,
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            mapping=ClaimMapping(
                role_claim=settings.jwt_role_claim,
                role_values=parse_role_map(settings.jwt_role_map),
                employee_claim=settings.jwt_employee_claim,
            ),
            find_by_email=find_by_email,
        )

    def actor(self, token: str) -> Actor:
        claims, from_provider = self._claims(token)
        if not from_provider:  # Skillpath's own token: sub and role as minted
            return self._actor(str(claims["sub"]), str(claims.get("role")))
        role = self.mapping.role(claims)
        if role in PERSONAL_ROLES and self.mapping.employee_claim == "email":
            return Actor(id=str(self._employee_by_email(claims)), role=role)
        return self._actor(str(claims["sub"]), role)

    @staticmethod
    def _actor(subject: str, role: str) -> Actor:
        if role not in ROLES:
            raise TokenRejected(f"the token's role {role!r} is not one of {', '.join(ROLES)}")
        if role in PERSONAL_ROLES:
            try:
                subject = str(UUID(subject))
            except ValueError:
                raise TokenRejected(f"a {role} token's subject must be an employee id") from None
        return Actor(id=subject, role=role)

    def _employee_by_email(self, claims: Mapping[str, Any]) -> UUID:
        email = claims.get("email")
        if not isinstance(email, str) or "@" not in email:
            raise TokenRejected("the token has no 'email' claim naming the employee")
        if claims.get("email_verified") is False:
            raise TokenRejected("the token's email is not verified by the identity provider")
        found = None if self.find_by_email is None else self.find_by_email(email)
        if found is None:
            raise TokenRejected("the token's email is no employee's of this organisation")
        return found

    def _claims(self, token: str) -> tuple[dict[str, Any], bool]:
        """The verified claims, and whether the identity provider signed them."""
        try:
            header = jwt.get_unverified_header(token)
            if self.jwks is not None and header.get("alg") == "RS256":
                key: Any = self.jwks.get_signing_key_from_jwt(token).key
                algorithms, from_provider = ["RS256"], True
            elif self.secret is not None:
                key, algorithms, from_provider = self.secret, ["HS256"], False
            else:
                raise TokenRejected("the token must be signed with RS256 by the identity provider")
            required = ["exp", "sub"] if from_provider else ["exp", "sub", "role"]
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self.audience or None,
                issuer=self.issuer or None,
                leeway=LEEWAY_SECONDS,
                options={"require": required, "verify_aud": bool(self.audience)},
            )
            return claims, from_provider
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
