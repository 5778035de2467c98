"""Embedded mode hands the operator an admin token; production says where tokens come from,
and `skillpath token` mints them there too once SKILLPATH_JWT_SECRET is set. Every token
Skillpath mints lives DEV_TOKEN_SECONDS (8 hours) unless told otherwise."""

from __future__ import annotations

import base64

import jwt
import pytest

from app.auth.tokens import DEV_TOKEN_SECONDS, TokenVerifier
from app.bootstrap import master_key_for
from app.cli import _embedded_admin_token, _token_hint, main
from app.settings import Settings

PRODUCTION = {
    "SKILLPATH_PERSISTENCE": "postgres",
    "SKILLPATH_MASTER_KEY": base64.b64encode(b"m" * 32).decode(),
    "SKILLPATH_JWT_SECRET": "a-production-hs256-secret-for-tests",
}


def test_embedded_serve_token_is_accepted_as_an_admin(sqlite_settings: Settings) -> None:
    token = _embedded_admin_token(sqlite_settings)

    assert token is not None
    verifier = TokenVerifier.for_settings(sqlite_settings, master_key_for(sqlite_settings))
    actor = verifier.actor(token)
    assert (actor.id, actor.role) == ("admin@skillpath", "admin")


def test_production_serve_hands_out_no_token(postgres_settings: Settings) -> None:
    assert _embedded_admin_token(postgres_settings) is None


def test_production_serve_says_how_to_mint_a_token_without_printing_one() -> None:
    settings = Settings.from_env(PRODUCTION)

    hint = _token_hint(settings, "http://127.0.0.1:8000")

    assert any("skillpath token --role admin" in line for line in hint)
    assert not any("Bearer ey" in line or "token=ey" in line for line in hint)


def test_the_printed_token_and_skillpath_token_live_equally_long(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    printed = _embedded_admin_token(sqlite_settings)
    assert printed is not None
    monkeypatch.setenv("SKILLPATH_SQLITE_PATH", sqlite_settings.sqlite_path)
    assert main(["token", "--role", "hr"]) == 0
    minted = capsys.readouterr().out.strip()

    for token in (printed, minted):
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["exp"] - claims["iat"] == DEV_TOKEN_SECONDS == 8 * 3600


def test_skillpath_token_mints_in_production_with_a_jwt_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    # A real identity provider beside it does not stop HS256 tokens for operators.
    monkeypatch.setenv("SKILLPATH_JWKS_URL", "https://idp.example.com/.well-known/jwks.json")
    monkeypatch.setenv("SKILLPATH_JWT_AUDIENCE", "skillpath")
    monkeypatch.setenv("SKILLPATH_JWT_ISSUER", "https://idp.example.com")

    assert main(["token", "--role", "admin"]) == 0

    token = capsys.readouterr().out.strip()
    settings = Settings.from_env()
    actor = TokenVerifier.for_settings(settings, master_key_for(settings)).actor(token)
    assert actor.role == "admin"


def test_only_embedded_mode_seeds_the_demo_into_an_empty_database() -> None:
    assert Settings.from_env({}).seed_if_empty is True
    assert Settings.from_env(PRODUCTION).seed_if_empty is False
    assert Settings.from_env({**PRODUCTION, "SKILLPATH_SEED_IF_EMPTY": "true"}).seed_if_empty
