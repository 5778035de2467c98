"""A verified token is checked once until it expires; refused tokens are never remembered."""

from __future__ import annotations

import time

import pytest

from app.aggregates import Actor
from app.auth.tokens import TokenRejected, TokenVerifier, mint_token
from app.auth.verified import VerifiedTokens

SECRET = b"verified-tokens-secret-0123456789abcdef"


class CountingVerifier:
    def __init__(self) -> None:
        self.inner = TokenVerifier(secret=SECRET, jwks=None)
        self.checks = 0

    def actor(self, token: str) -> Actor:
        self.checks += 1
        return self.inner.actor(token)


def test_a_token_that_verified_is_not_checked_again_before_it_expires() -> None:
    verifier = CountingVerifier()
    tokens = VerifiedTokens(verifier)
    token = mint_token(SECRET, role="hr", subject="hr@example.org")
    assert tokens.actor(token) == Actor(id="hr@example.org", role="hr")
    assert tokens.actor(token) == Actor(id="hr@example.org", role="hr")
    assert verifier.checks == 1


def test_an_expired_token_is_checked_again_and_refused() -> None:
    verifier = CountingVerifier()
    now = [time.time()]
    tokens = VerifiedTokens(verifier, clock=lambda: now[0])
    token = mint_token(SECRET, role="hr", subject="hr@example.org", seconds=60)
    tokens.actor(token)
    now[0] += 61 + 30  # past the expiry and the verifier's leeway
    verifier.inner = TokenVerifier(secret=b"another-secret-after-rotation-0123456", jwks=None)
    with pytest.raises(TokenRejected):
        tokens.actor(token)
    assert verifier.checks == 2


def test_a_refused_token_is_not_remembered() -> None:
    verifier = CountingVerifier()
    tokens = VerifiedTokens(verifier)
    forged = mint_token(b"not-the-server-secret-0123456789abcdef", role="admin", subject="x")
    for _ in range(2):
        with pytest.raises(TokenRejected, match="signature"):
            tokens.actor(forged)
    assert verifier.checks == 2 and len(tokens) == 0


def test_the_least_recently_used_token_leaves_first_at_the_limit() -> None:
    verifier = CountingVerifier()
    tokens = VerifiedTokens(verifier, limit=2)
    first, second, third = (
        mint_token(SECRET, role="hr", subject=f"hr{i}@example.org") for i in range(3)
    )
    tokens.actor(first)
    tokens.actor(second)
    tokens.actor(first)  # used again: the second is now the oldest
    tokens.actor(third)
    assert len(tokens) == 2
    checks = verifier.checks
    tokens.actor(first)
    assert verifier.checks == checks
    tokens.actor(second)
    assert verifier.checks == checks + 1
