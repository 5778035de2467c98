"""Rotating the master key: `skillpath rotate-master-key` re-wraps every data key with the
new key read from stdin, on SQLite and PostgreSQL. Afterwards the new key opens everything
(personal data, the hash chain, e-mail uniqueness, webhook secrets), the old key opens
nothing, and an erased employee stays erased."""

from __future__ import annotations

import base64
import io
from dataclasses import replace

import pytest

from app.access.webhooks import EndpointKind
from app.aggregates import Conflict
from app.bootstrap import StartupError, build_services
from app.cli import main
from app.consent.cipher import new_key
from app.integration.webhook_worker import WebhookWorker
from app.settings import Settings
from tests.domain_support import HR, Organisation
from tests.test_webhooks import SECRET, drain, receiver


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine_settings(request: pytest.FixtureRequest) -> Settings:
    settings: Settings = request.getfixturevalue(f"{request.param}_settings")
    return settings


def _point_the_command_at(settings: Settings, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    pg = settings.postgres
    monkeypatch.setenv("SKILLPATH_PERSISTENCE", settings.persistence)
    monkeypatch.setenv("SKILLPATH_SQLITE_PATH", settings.sqlite_path)
    for name, value in (
        ("HOST", pg.host),
        ("PORT", str(pg.port)),
        ("DB", pg.dbname),
        ("USER", pg.user),
        ("PASSWORD", pg.password),
        ("SCHEMA", pg.schema),
    ):
        monkeypatch.setenv(f"SKILLPATH_POSTGRES_{name}", value)  # fmt: skip
    monkeypatch.setenv("SKILLPATH_MASTER_KEY", key)
    monkeypatch.setenv("SKILLPATH_JWT_SECRET", "rotation-test-secret-0123456789abcdef")


def test_a_rotated_master_key_opens_everything_and_the_old_one_nothing(
    engine_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = (base64.b64encode(new_key()).decode() for _ in range(2))
    before = replace(engine_settings, master_key=old)
    services = build_services(before, start_projections=False)
    org = Organisation(services.app)
    kim = org.hire("kim@example.com", name="Kim Ngata")
    erased = org.hire("lee@example.com", name="Lee Park")
    services.app.request_erasure(erased, actor=HR)
    with services.gateway.transaction(write=False) as tx:
        keys = tx.scalar("SELECT count(*) FROM {subject_keys} WHERE wrapped_key IS NOT NULL")
    services.close()
    _point_the_command_at(engine_settings, old, monkeypatch)
    monkeypatch.setattr("sys.stdin", io.StringIO(new + "\n"))

    assert main(["rotate-master-key"]) == 0

    assert f"Re-wrapped {keys} data keys" in capsys.readouterr().out
    with pytest.raises(StartupError, match="does not open"):
        build_services(before, start_projections=False)
    after = build_services(replace(engine_settings, master_key=new), start_projections=False)
    try:
        assert after.app.employee(kim).name == "Kim Ngata"
        assert after.audit.verify().intact  # the chain keeps its key
        with pytest.raises(Conflict, match="another employee has this email"):
            org.app = after.app
            org.hire("kim@example.com")
        assert after.app.subject_keys.erased_at(str(erased)) is not None
        assert after.app.subject_keys.for_reading(str(erased)) is None
    finally:
        after.close()


def test_rotation_refuses_a_malformed_new_key_and_changes_nothing(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old = base64.b64encode(new_key()).decode()
    services = build_services(replace(sqlite_settings, master_key=old), start_projections=False)
    kim = Organisation(services.app).hire("kim@example.com", name="Kim Ngata")
    services.close()
    _point_the_command_at(sqlite_settings, old, monkeypatch)
    monkeypatch.setattr("sys.stdin", io.StringIO("not a key\n"))

    assert main(["rotate-master-key"]) == 2

    assert "the new key on stdin" in capsys.readouterr().err
    reopened = build_services(replace(sqlite_settings, master_key=old), start_projections=False)
    try:
        assert reopened.app.employee(kim).name == "Kim Ngata"
    finally:
        reopened.close()


def test_webhook_secrets_sealed_before_a_rotation_still_sign_deliveries_after_it(
    engine_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = (base64.b64encode(new_key()).decode() for _ in range(2))
    with receiver() as seen:
        before = build_services(replace(engine_settings, master_key=old), start_projections=False)
        written = before.app.register_webhook(
            url=seen.url, secret=SECRET, event_kinds=["Role.*"], kind=EndpointKind.OTHER,
            actor=HR,
        )  # fmt: skip
        before.runner.catch_up()
        before.close()
        _point_the_command_at(engine_settings, old, monkeypatch)
        monkeypatch.setattr("sys.stdin", io.StringIO(new + "\n"))
        assert main(["rotate-master-key"]) == 0
        after = build_services(replace(engine_settings, master_key=new), start_projections=False)
        try:
            endpoint = after.webhooks.endpoint(str(written.id))
            assert endpoint is not None and endpoint.secret == SECRET.encode()
            # The sealed secret in the registration event opens too (a replay needs it).
            registered = after.app.webhook_endpoint(written.id)
            assert after.app.webhook_secrets.open(str(written.id), registered.sealed_secret)
            Organisation(after.app, tag="-rot")
            drain(WebhookWorker(after.app, after.webhooks))
            assert seen.bad_signatures == 0
            assert [d["type"] for d in seen.delivered] == ["Role.RoleDefined"] * 2
        finally:
            after.close()
