"""Erasure reaches the bytes: no file of the database holds the subject's personal strings.

A dump (tests/test_erasure.py) shows live rows only. These tests read the files as someone
holding a copy of them would: the SQLite file with its write-ahead log and shared-memory
index, and on PostgreSQL every relation file of the schema (tables, indexes, TOAST).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from eventsourcing.sqlite import SQLiteConnectionPool

from app.auth.tokens import mint_token
from app.bootstrap import Services, build_services
from app.projections.erasure import PERSONAL_TABLES as ERASED_TABLES
from app.secure_sqlite import SECURED_VERSION
from app.settings import Settings
from tests.bytes_support import all_found, file_names, files_holding, found_in
from tests.conftest import TEST_JWT_SECRET, operator_token
from tests.domain_support import HR, LEARNER
from tests.live_server import free_port
from tests.recommend_org import analysts_and_engineers
from tests.trust_support import COMMENT, EMAIL, GOAL, NAME, PERSONAL_STRINGS, Subject
from tests.worker_processes import ROOT

#: A first comment long enough to spill into an overflow page, then replaced by a short
#: one: its page is freed before the erasure, and only zeroing on free removes its bytes.
REPLACED_COMMENT = ("the voiceover reminded me of Xanthippe Oddleigh " * 100)[:4_900]
REPLACED_MARKER = "Xanthippe Oddleigh"
MARKERS = (*PERSONAL_STRINGS, REPLACED_MARKER)
#: What the read models copy in clear (the rest lives only sealed in events).
IN_READ_MODELS = {NAME, EMAIL, GOAL, COMMENT, REPLACED_MARKER}


def replace_feedback(services: Services, subject: Subject) -> None:
    app = services.app
    app.give_feedback(subject.enrollment_id, rating=3, comment=REPLACED_COMMENT, actor=LEARNER)
    services.runner.catch_up()
    app.give_feedback(subject.enrollment_id, rating=3, comment="too long", actor=LEARNER)
    services.runner.catch_up()


@pytest.fixture
def sqlite_services(sqlite_settings: Settings) -> Iterator[Services]:
    services = build_services(sqlite_settings, start_projections=False)
    try:
        yield services
    finally:
        services.close()


def data_directory(settings: Settings) -> Path:
    return Path(settings.sqlite_path).parent


def test_after_erasure_no_file_of_the_sqlite_database_holds_a_personal_string(
    sqlite_settings: Settings, sqlite_services: Services
) -> None:
    folder = data_directory(sqlite_settings)
    subject = Subject(sqlite_services)
    replace_feedback(sqlite_services, subject)
    before = files_holding(folder, MARKERS)
    assert all_found(before) >= IN_READ_MODELS, before

    sqlite_services.app.request_erasure(subject.id, actor=HR)
    sqlite_services.runner.catch_up()

    assert {"skillpath.sqlite3", "skillpath.sqlite3-wal", "master.key"} <= set(file_names(folder))
    assert files_holding(folder, MARKERS) == {}
    sqlite_services.close()
    assert files_holding(folder, MARKERS) == {}


def test_freed_pages_are_zeroed_even_where_sqlite_keeps_them_by_default(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Some SQLite builds zero freed bytes by default (Debian's), others do not (python.org,
    # macOS): the library's connections are made to come without it, as on those builds.
    plain = SQLiteConnectionPool._create_connection

    def without_secure_delete(pool: SQLiteConnectionPool) -> Any:
        connection = plain(pool)
        connection.cursor().execute("PRAGMA secure_delete = OFF")
        return connection

    monkeypatch.setattr(SQLiteConnectionPool, "_create_connection", without_secure_delete)
    services = build_services(sqlite_settings, start_projections=False)
    try:
        subject = Subject(services)
        replace_feedback(services, subject)
        with services.app.factory.datastore.get_connection(commit=True) as connection:
            cursor = connection.cursor()
            cursor.execute("PRAGMA secure_delete")
            assert cursor.fetchone()[0] == 1

        services.app.request_erasure(subject.id, actor=HR)
        services.runner.catch_up()

        assert files_holding(data_directory(sqlite_settings), [REPLACED_MARKER]) == {}
    finally:
        services.close()


def test_a_database_written_before_freed_bytes_were_zeroed_is_vacuumed_once(
    sqlite_settings: Settings,
) -> None:
    path = Path(sqlite_settings.sqlite_path)
    with sqlite3.connect(path) as old:
        old.execute("PRAGMA secure_delete = OFF")
        old.execute("CREATE TABLE leftovers (text TEXT)")
        old.execute("INSERT INTO leftovers VALUES (?)", (REPLACED_COMMENT,))
        old.commit()
        old.execute("DELETE FROM leftovers")
        old.commit()
    old.close()
    assert found_in(path.read_bytes(), [REPLACED_MARKER])

    services = build_services(sqlite_settings, start_projections=False)
    services.close()

    assert found_in(path.read_bytes(), [REPLACED_MARKER]) == []
    with sqlite3.connect(path) as reopened:
        assert reopened.execute("PRAGMA user_version").fetchone()[0] == SECURED_VERSION
    reopened.close()


def admin_connection(settings: Settings) -> psycopg.Connection[Any]:
    pg = settings.postgres
    return psycopg.connect(
        host=pg.host, port=pg.port, dbname=pg.dbname, user=pg.user, password=pg.password,
        autocommit=True,
    )  # fmt: skip


def relation_bytes(settings: Settings) -> dict[str, bytes]:
    """The data files of every relation of the schema (tables, indexes, their TOAST)."""
    with admin_connection(settings) as admin:
        admin.execute("CHECKPOINT")  # the server's dirty buffers go to the files first
        rows = admin.execute(
            "WITH own AS (SELECT oid, reltoastrelid FROM pg_class"
            "             WHERE relnamespace = %s::regnamespace),"
            " toast AS (SELECT reltoastrelid AS oid FROM own WHERE reltoastrelid <> 0),"
            " toast_indexes AS (SELECT indexrelid AS oid FROM pg_index"
            "                   WHERE indrelid IN (SELECT oid FROM toast)),"
            " every AS (SELECT oid FROM own UNION SELECT oid FROM toast"
            "           UNION SELECT oid FROM toast_indexes)"
            " SELECT oid::regclass::text AS name, pg_relation_filepath(oid) AS path FROM every"
            " WHERE pg_relation_filepath(oid) IS NOT NULL",
            (settings.postgres.schema,),
        ).fetchall()
        files = {}
        for name, path in rows:
            size = admin.execute("SELECT (pg_stat_file(%s, true)).size", (path,)).fetchone()
            if size is None or size[0] is None:  # a relation never written has no file yet
                continue
            data = admin.execute(
                "SELECT pg_read_binary_file(%s, 0, %s, true)", (path, size[0])
            ).fetchone()
            files[name] = bytes(data[0]) if data and data[0] is not None else b""
        return files


PERSONAL_TABLES = list(ERASED_TABLES)


def table_files(settings: Settings) -> dict[str, tuple[int, Any]]:
    """Each personal table's file number and time of its last manual vacuum."""
    with admin_connection(settings) as admin:
        rows = admin.execute(
            "SELECT c.relname, c.relfilenode, s.last_vacuum FROM pg_class c"
            " JOIN pg_stat_user_tables s ON s.relid = c.oid"
            " WHERE c.relnamespace = %s::regnamespace",
            (settings.postgres.schema,),
        ).fetchall()
    return {name: (node, vacuumed) for name, node, vacuumed in rows if name in PERSONAL_TABLES}


def wait_for_older_snapshots_to_end(settings: Settings, since: datetime) -> None:
    """Until no other session of the database holds a snapshot taken before ``since``
    (other test suites share the server): rows dead to us may still be alive to them."""
    deadline = time.monotonic() + 60
    with admin_connection(settings) as admin:
        while admin.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_xmin IS NOT NULL AND xact_start < %s",
            (since,),
        ).fetchone() != (0,):
            assert time.monotonic() < deadline, "a transaction older than the erasure runs on"
            time.sleep(0.05)


@pytest.mark.postgres
def test_on_postgresql_erasure_vacuums_every_table_it_overwrote(
    postgres_settings: Settings,
) -> None:
    services = build_services(postgres_settings, start_projections=False)
    try:
        subject = Subject(services)
        assert {v for _, v in table_files(postgres_settings).values()} == {None}

        services.app.request_erasure(subject.id, actor=HR)
        services.runner.catch_up()

        vacuumed = table_files(postgres_settings)
        assert sorted(vacuumed) == PERSONAL_TABLES
        assert [t for t, (_, at) in vacuumed.items() if at is None] == []
    finally:
        services.close()


@pytest.mark.postgres
def test_with_full_vacuum_no_relation_file_of_the_schema_holds_a_personal_string(
    postgres_settings: Settings,
) -> None:
    pg = dataclasses.replace(postgres_settings.postgres, erasure_vacuum="full")
    settings = dataclasses.replace(postgres_settings, postgres=pg)
    services = build_services(settings, start_projections=False)
    try:
        subject = Subject(services)
        replace_feedback(services, subject)
        before = {n: found_in(data, MARKERS) for n, data in relation_bytes(settings).items()}
        # (TOAST compresses the long replaced comment, so it is not there to be seen.)
        assert all_found(before) >= IN_READ_MODELS - {REPLACED_MARKER}, before
        files_before = table_files(settings)

        erased_at = datetime.now(UTC)
        services.app.request_erasure(subject.id, actor=HR)
        services.runner.catch_up()

        rewritten = table_files(settings)
        assert [t for t in PERSONAL_TABLES if rewritten[t][0] == files_before[t][0]] == []
        wait_for_older_snapshots_to_end(settings, erased_at)
        if any(found_in(data, MARKERS) for data in relation_bytes(settings).values()):
            # A snapshot older than the erasure kept the old rows alive during the rewrite.
            services.gateway.release_overwritten(PERSONAL_TABLES)
        after = {n: found_in(data, MARKERS) for n, data in relation_bytes(settings).items()}
        assert {n: hits for n, hits in after.items() if hits} == {}
    finally:
        services.close()


# -- a real server, its data directory and its log ------------------------------------------

HIRE = """mutation($input: HireEmployeeInput!) { hireEmployee(input: $input) {
  __typename ... on EmployeePayload { employeeId position } } }"""
GRANT = """mutation($id: ID!) { grantConsent(input: {employeeId: $id, purpose: "personalisation",
  policyVersion: "v1"}) { __typename } }"""
PROFILE = """mutation($id: ID!, $goal: String!) { updateProfile(input: {employeeId: $id,
  mediaTypes: [VIDEO], weeklyMinutes: 90, goals: [$goal]}) { __typename } }"""
ENROL = """mutation($id: ID!, $module: ID!) { enroll(input: {employeeId: $id, moduleId: $module})
  { __typename ... on EnrollmentPayload { enrollmentId } } }"""
COMPLETE = """mutation($id: ID!) { completeEnrollment(input: {enrollmentId: $id}) {
  __typename } }"""
FEEDBACK = """mutation($id: ID!, $comment: String!) { giveFeedback(input: {enrollmentId: $id,
  rating: 2, comment: $comment}) { __typename } }"""
RECOMMEND = """query($id: ID!, $goal: String!) { recommendations(employeeId: $id, goal: $goal) {
  __typename ... on RecommendationList { items { reasons { text } } } } }"""
PROFILE_OF = """query($id: ID!) { employee(id: $id) { name email } }"""
ERASE = """mutation($id: ID!) { requestErasure(input: {employeeId: $id}) {
  __typename ... on ErasurePayload { position } } }"""
CAUGHT_UP = """query($p: Int!) { employees(first: 1, consistentWith: $p) { totalCount } }"""


class Api:
    """GraphQL over HTTP to a server process, as an operator."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(
            base_url=url, timeout=30, headers={"Authorization": f"Bearer {operator_token()}"}
        )

    def __call__(
        self, query: str, as_employee: str | None = None, **variables: Any
    ) -> dict[str, Any]:
        headers = {}
        if as_employee is not None:  # the employee's own decisions are theirs to make
            token = mint_token(TEST_JWT_SECRET.encode(), role="employee", subject=as_employee)
            headers = {"Authorization": f"Bearer {token}"}
        response = self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data


def skillpath(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip


@contextlib.contextmanager
def server(env: dict[str, str], log: Path) -> Iterator[str]:
    port = free_port()
    process = skillpath(env, log, "serve", "--no-seed", "--port", str(port))
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def test_after_erasure_no_file_of_a_running_server_nor_its_log_holds_a_personal_string(
    tmp_path: Path,
) -> None:
    data = tmp_path / "var"
    settings = Settings(
        persistence="sqlite", sqlite_path=str(data / "skillpath.sqlite3"),
        model_dir=str(data / "models"), seed_if_empty=False,
    )  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKILLPATH_")}
    env.update(
        SKILLPATH_SQLITE_PATH=settings.sqlite_path, SKILLPATH_MODEL_DIR=settings.model_dir,
        SKILLPATH_SEED_IF_EMPTY="false", SKILLPATH_JWT_SECRET=TEST_JWT_SECRET,
        SKILLPATH_RETRAIN_MIN_INTERACTIONS="0",
        SKILLPATH_MODEL_TOLERANCE="1",  # two versions are wanted, whatever the gate says
        SKILLPATH_ACCESS_LOG="all",  # a line for every request, each checked below
    )  # fmt: skip
    services = build_services(settings, start_projections=False)
    try:  # colleagues with a learning history, so that a model has something to learn
        org = analysts_and_engineers(services, people=6)
        role, module = str(org.roles["analyst"]), str(org.modules["sql-2"])
    finally:
        services.close()
    log, trainer_log = tmp_path / "server.log", tmp_path / "train.log"
    markers = [NAME, EMAIL, GOAL, COMMENT]

    with server(env, log) as url:
        api = Api(url)
        hired = api(HIRE, input={
            "name": NAME, "email": EMAIL, "roleId": role, "department": "Finance",
            "location": "Oslo", "hireDate": "2024-02-01",
        })["hireEmployee"]  # fmt: skip
        subject = hired["employeeId"]
        api(GRANT, as_employee=subject, id=subject)
        api(PROFILE, as_employee=subject, id=subject, goal=GOAL)
        enrolment = api(ENROL, id=subject, module=module)["enroll"]["enrollmentId"]
        api(COMPLETE, as_employee=subject, id=enrolment)
        api(FEEDBACK, as_employee=subject, id=enrolment, comment=COMMENT)
        for _ in range(2):  # an older version and the current one, both holding the subject
            trainer = skillpath(env, trainer_log, "train", "--epochs", "2", "--components", "4")
            assert trainer.wait(120) == 0, trainer_log.read_text()[-3000:]
        api(RECOMMEND, as_employee=subject, id=subject, goal=GOAL)
        assert api(PROFILE_OF, id=subject)["employee"]["name"] == NAME
        models = data / "models"
        assert len([p for p in models.iterdir() if p.is_dir()]) == 2
        assert all_found(files_holding(data, markers)) == set(markers)
        assert all_found(files_holding(models, markers)) == {GOAL}  # the goal feature

        erased = api(ERASE, id=subject)["requestErasure"]
        api(CAUGHT_UP, p=erased["position"])

        assert files_holding(data, markers) == {}
        assert b"POST /graphql" in log.read_bytes()  # the log is captured, requests and all
        assert found_in(log.read_bytes() + trainer_log.read_bytes(), markers) == []
        assert api(PROFILE_OF, id=subject)["employee"]["name"] == "[erased]"
        assert all(str(p.relative_to(data)) in file_names(data) for p in models.rglob("*.npz"))
    assert files_holding(data, markers) == {}
    assert found_in(log.read_bytes(), markers) == []
