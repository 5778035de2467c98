"""The master key: required in production, generated once in embedded mode, checked at start."""

from __future__ import annotations

import base64
import logging
import stat
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from app.bootstrap import StartupError, build_services
from app.cli import main
from app.consent.cipher import new_key
from app.settings import Settings, SettingsError
from tests.domain_support import Organisation


def test_production_without_a_master_key_stops_start_up_with_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SKILLPATH_PERSISTENCE", "postgres")
    monkeypatch.setenv("SKILLPATH_JWKS_URL", "https://idp.example.com/jwks.json")
    monkeypatch.delenv("SKILLPATH_MASTER_KEY", raising=False)

    code = main(["serve", "--no-seed"])

    error = capsys.readouterr().err
    assert code == 2
    assert error.count("\n") == 1 and "SKILLPATH_MASTER_KEY is not set" in error


def test_production_with_a_master_key_reads_it_from_the_environment() -> None:
    key = base64.b64encode(new_key()).decode()
    settings = Settings.from_env(
        {"SKILLPATH_PERSISTENCE": "postgres", "SKILLPATH_MASTER_KEY": key,
         "SKILLPATH_JWT_SECRET": "s" * 32}
    )  # fmt: skip
    assert settings.master_key == key
    assert key not in repr(settings)
    with pytest.raises(SettingsError, match="SKILLPATH_JWKS_URL"):
        Settings.from_env({"SKILLPATH_PERSISTENCE": "postgres", "SKILLPATH_MASTER_KEY": key})


def test_a_malformed_master_key_stops_start_up_naming_the_variable(
    sqlite_settings: Settings,
) -> None:
    with pytest.raises(StartupError, match="SKILLPATH_MASTER_KEY must be 32 random bytes"):
        build_services(replace(sqlite_settings, master_key="not-a-key"), start_projections=False)


def test_embedded_mode_generates_a_private_master_key_once_and_reads_its_data_after_restart(
    sqlite_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        services = build_services(sqlite_settings, start_projections=False)
    employee_id = Organisation(services.app).hire("kim@example.com", name="Kim Ngata")
    services.close()
    key_file = Path(sqlite_settings.sqlite_path).parent / "master.key"

    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert any("generated a local master key" in r.getMessage() for r in caplog.records)
    reopened = build_services(sqlite_settings, start_projections=False)
    try:
        assert reopened.app.employee(employee_id).name == "Kim Ngata"
    finally:
        reopened.close()


def test_a_master_key_that_is_not_the_databases_stops_start_up(sqlite_settings: Settings) -> None:
    first = replace(sqlite_settings, master_key=base64.b64encode(new_key()).decode())
    services = build_services(first, start_projections=False)
    Organisation(services.app).hire("kim@example.com", hire_date=date(2024, 5, 1))
    services.close()

    other = replace(sqlite_settings, master_key=base64.b64encode(new_key()).decode())
    with pytest.raises(StartupError, match="does not open the data keys"):
        build_services(other, start_projections=False)


def test_the_master_key_command_prints_a_usable_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["master-key"]) == 0
    printed = capsys.readouterr().out.strip()
    assert len(base64.b64decode(printed)) == 32
    Settings.from_env({"SKILLPATH_MASTER_KEY": printed})
