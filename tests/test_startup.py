"""Start-up failures are one clear line naming the setting to fix, never a traceback."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.bootstrap import StartupError, build_services
from app.cli import main
from app.settings import PostgresSettings, Settings, SettingsError

UNREACHABLE_POSTGRES = PostgresSettings(port=1, connect_timeout=1)


def skillpath(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the ``skillpath`` command in a clean environment plus ``env``."""
    clean = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), **env}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
    )


def production_secrets() -> dict[str, str]:
    """Secrets production mode asks for before it opens the database."""
    return {
        "SKILLPATH_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
        "SKILLPATH_JWT_SECRET": base64.b64encode(os.urandom(32)).decode(),
    }


def test_an_unreachable_postgres_is_one_line_naming_host_and_port() -> None:
    settings = Settings(persistence="postgres", postgres=UNREACHABLE_POSTGRES)

    with pytest.raises(StartupError) as refused:
        build_services(settings)

    message = str(refused.value)
    assert "\n" not in message
    assert "SKILLPATH_POSTGRES_HOST" in message
    assert "SKILLPATH_POSTGRES_PORT" in message
    assert "127.0.0.1:1" in message


def test_an_sqlite_path_that_cannot_be_created_is_one_line_naming_the_setting(
    tmp_path: Path,
) -> None:
    not_a_directory = tmp_path / "a-file"
    not_a_directory.write_text("")
    settings = Settings(persistence="sqlite", sqlite_path=str(not_a_directory / "db.sqlite3"))

    with pytest.raises(StartupError) as refused:
        build_services(settings)

    assert "\n" not in str(refused.value)
    assert "SKILLPATH_SQLITE_PATH" in str(refused.value)


def test_serve_against_an_unreachable_postgres_exits_with_one_line_on_stderr() -> None:
    finished = skillpath(
        "serve",
        SKILLPATH_PERSISTENCE="postgres",
        SKILLPATH_POSTGRES_PORT="1",
        SKILLPATH_POSTGRES_CONNECT_TIMEOUT="1",
        **production_secrets(),
    )

    assert finished.returncode != 0
    lines = finished.stderr.strip().splitlines()
    assert "Traceback" not in finished.stderr
    assert len(lines) == 1, finished.stderr
    assert "SKILLPATH_POSTGRES_HOST" in lines[0]
    assert "SKILLPATH_POSTGRES_PORT" in lines[0]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SKILLPATH_PORT", "abc"),
        ("SKILLPATH_PORT", "0"),
        ("SKILLPATH_PERSISTENCE", "oracle"),
        ("SKILLPATH_POSTGRES_PORT", "fivefourthreetwo"),
        ("SKILLPATH_GRAPHIQL", "maybe"),
        ("SKILLPATH_CONSISTENCY_TIMEOUT_SECONDS", "-1"),
        ("SKILLPATH_PROJECTION_BATCH_SIZE", "0"),
    ],
)
def test_a_bad_setting_is_a_settings_error_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({variable: value})
    assert variable in str(refused.value)
    assert value in str(refused.value)


def test_serve_with_a_bad_setting_exits_with_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SKILLPATH_PORT", "abc")

    assert main(["serve"]) != 0

    assert capsys.readouterr().err.strip().splitlines() == [
        "skillpath: SKILLPATH_PORT must be a whole number, got 'abc'"
    ]


def test_a_missing_postgres_fails_the_test_run_under_ci_instead_of_skipping() -> None:
    finished = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "tests/test_projections.py::test_events_build_the_employee_directory[postgres]",
        ],
        env={**os.environ, "CI": "true", "SKILLPATH_TEST_POSTGRES_PORT": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip

    assert finished.returncode != 0
    assert "PostgreSQL is not reachable" in finished.stdout
    assert "1 error" in finished.stdout
    assert "skipped" not in finished.stdout
