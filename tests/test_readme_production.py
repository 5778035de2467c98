"""The README's PostgreSQL and production sections, followed as written, against the real
PostgreSQL and Redis: every ``sh`` block of those sections runs in bash, in a fresh folder
holding only the project's ``.venv``. What is changed is listed in ``_substitutions`` and
nothing else: a database, ports and a Redis channel prefix of the test's own, and the two
``make`` targets replaced by their recipes (checked against the Makefile). Every output line
the README shows (``# {...}``) must appear in what the commands print."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import postgres_base
from tests.live_server import free_port

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/0"
JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$", re.M)

pytestmark = pytest.mark.postgres


def readme_blocks(first: str, until: str) -> list[str]:
    """The ``sh`` blocks of the README from heading ``first`` up to heading ``until``."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index(f"\n## {first}\n") : text.index(f"\n## {until}\n")]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


def documented_output(block: str) -> list[str]:
    return [line[2:] for line in block.splitlines() if line.startswith("# {")]


def make_recipe(target: str) -> str:
    """The Makefile's one-line recipe for ``target``, with $(BIN) spelled out."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(rf"^{target}:.*\n\t(.+)$", makefile, re.M)
    assert recipe, f"no recipe for make {target}"
    return recipe.group(1).replace("$(BIN)", ".venv/bin")


def _substitutions(db: str, ports: dict[str, int]) -> dict[str, str]:
    pg = postgres_base()
    return {
        "createdb -h 127.0.0.1 -U postgres skillpath": (
            f"createdb -h {pg.host} -p {pg.port} -U {pg.user} {db}"
        ),
        "SKILLPATH_POSTGRES_HOST=127.0.0.1": (
            f"SKILLPATH_POSTGRES_HOST={pg.host}\nSKILLPATH_POSTGRES_PORT={pg.port}"
        ),
        "SKILLPATH_POSTGRES_DB=skillpath": f"SKILLPATH_POSTGRES_DB={db}",
        "SKILLPATH_POSTGRES_USER=postgres": f"SKILLPATH_POSTGRES_USER={pg.user}",
        # The virtualenv the suite runs in is already installed (`make test` built it).
        "make install": ":",
        "make run": make_recipe("run"),
        **{f":{p}/": f":{port}/" for p, port in ports.items()},
        **{f"--port {p}": f"--port {port}" for p, port in ports.items() if p != "8000"},
    }


def prepared(block: str, substitutions: dict[str, str]) -> str:
    for old, new in substitutions.items():
        block = block.replace(old, new)
    return block


@pytest.fixture
def database() -> Iterator[str]:
    """A database name of the test's own, dropped at the end (the README creates it)."""
    name = f"sp_readme_{uuid.uuid4().hex[:10]}"
    yield name
    pg = postgres_base()
    with psycopg.connect(
        host=pg.host, port=pg.port, dbname=pg.dbname, user=pg.user, password=pg.password,
        autocommit=True, connect_timeout=3,
    ) as admin:  # fmt: skip
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def shell_env(tmp_path: Path) -> dict[str, str]:
    """A shell in a fresh folder: no SKILLPATH_* from outside, the project's .venv only."""
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLPATH_")}
    # Pub/sub channels of the test's own on the shared Redis (the README uses the default).
    env["SKILLPATH_REDIS_CHANNEL_PREFIX"] = f"sp-readme-{uuid.uuid4().hex[:8]}"
    # `make run` listens on SKILLPATH_PORT (8000 in the README): a free port of the test's own.
    env["SKILLPATH_PORT"] = str(free_port())
    env["PGPASSWORD"] = postgres_base().password
    return env


def _start(script: str, cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            ["bash", "-euo", "pipefail", "-c", script], cwd=cwd, env=env,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def _run(script: str, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], cwd=cwd, env=env,
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _wait_for(group: subprocess.Popen[bytes], log: Path, *lines: str) -> str:
    """The log once it holds every line (bounded); fails with its tail if the group died."""
    deadline = time.monotonic() + 240
    while not all(line in (text := log.read_text()) for line in lines):
        assert group.poll() is None, text[-3000:]
        assert time.monotonic() < deadline, text[-3000:]
        time.sleep(0.2)
    return text


def _alive(group: subprocess.Popen[bytes]) -> list[str]:
    """Processes of the group still running (orphans that exited stay zombies here)."""
    listed = subprocess.run(
        ["ps", "-o", "stat=,args=", "-g", str(group.pid)], capture_output=True, text=True
    ).stdout
    return [line for line in listed.splitlines() if line.strip() and not line.startswith("Z")]


def _stop(group: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    """Stop the whole process group the way an operator would, then make sure it is gone."""
    try:
        os.killpg(group.pid, sig)
        deadline = time.monotonic() + 30
        while _alive(group) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(group):
            os.killpg(group.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    finally:
        group.wait(10)


def test_the_readme_postgres_and_production_sections_work_as_written(
    tmp_path: Path, database: str, shell_env: dict[str, str]
) -> None:
    single, call = readme_blocks("Switching to PostgreSQL", "Running in production")
    workers, write_and_read = readme_blocks("Running in production", "The `skillpath` command")
    ports = {"8000": int(shell_env["SKILLPATH_PORT"]), "8001": free_port(), "8002": free_port()}
    subs = _substitutions(database, ports)
    every_block = single + call + workers + write_and_read
    for old in subs:
        assert old in every_block, f"the README no longer says {old!r}: update this test"

    # One process: make run in the first shell, a token and a call from a second one.
    serve_log = tmp_path / "make-run.log"
    serving = _start(prepared(single, subs), tmp_path, shell_env, serve_log)
    try:
        # The second shell is opened once the first one has reached `make run`.
        _wait_for(serving, serve_log, "Skillpath on http://")
        answer = _run(prepared(call, subs), tmp_path, shell_env)
    finally:
        _stop(serving, signal.SIGINT)  # Ctrl-C
    assert JWT.search(answer), answer
    for line in documented_output(call):
        assert line in answer
    started = serve_log.read_text()
    assert "Empty database: nothing seeded" in started, started
    assert "seeding" not in started.lower().replace("nothing seeded", "")
    assert (tmp_path / "skillpath.env").stat().st_mode & 0o077 == 0

    # Several processes: projection worker, training worker, two API workers over Redis.
    group = _start(
        prepared(workers + write_and_read, subs) + "\nwait\n",
        tmp_path,
        shell_env,
        tmp_path / "production.log",
    )
    try:
        _wait_for(group, tmp_path / "production.log", *documented_output(write_and_read))
        processes = "\n".join(_alive(group))
    finally:
        _stop(group, signal.SIGTERM)
    for command in ("skillpath project", "skillpath train --follow", "skillpath serve --port"):
        assert command in processes, processes
