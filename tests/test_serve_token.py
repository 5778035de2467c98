"""Embedded mode hands the operator an admin token; production leaves tokens to the provider."""

from __future__ import annotations

from app.auth.tokens import TokenVerifier
from app.bootstrap import master_key_for
from app.cli import _embedded_admin_token
from app.settings import Settings


def test_embedded_serve_token_is_accepted_as_an_admin(sqlite_settings: Settings) -> None:
    token = _embedded_admin_token(sqlite_settings)

    assert token is not None
    verifier = TokenVerifier.for_settings(sqlite_settings, master_key_for(sqlite_settings))
    actor = verifier.actor(token)
    assert (actor.id, actor.role) == ("admin@skillpath", "admin")


def test_production_serve_hands_out_no_token(postgres_settings: Settings) -> None:
    assert _embedded_admin_token(postgres_settings) is None
