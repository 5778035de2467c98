"""Bad command-line arguments end in one line naming the argument, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main


def test_seed_with_no_employees_names_the_argument(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SKILLPATH_SQLITE_PATH", str(tmp_path / "db.sqlite3"))

    code = main(["seed", "--employees", "0"])

    error = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(error) == 1
    assert error[0].startswith("skillpath: seed: employees must be between")
