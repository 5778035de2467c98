"""Shared fixtures: services on each storage engine, and a GraphQL client over HTTP.

PostgreSQL tests use their own schema in the database named by SKILLPATH_TEST_POSTGRES_DB
(default ``test`` on 127.0.0.1:5432, user ``postgres``) and drop it afterwards;
a PostgreSQL that cannot be reached fails those tests: they are never skipped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from app.auth.tokens import mint_token, signing_secret
from app.bootstrap import Services, build_services
from app.main import create_app
from app.settings import PostgresSettings, Settings


def postgres_base() -> PostgresSettings:
    return PostgresSettings(
        host=os.environ.get("SKILLPATH_TEST_POSTGRES_HOST", "127.0.0.1"),
        port=int(os.environ.get("SKILLPATH_TEST_POSTGRES_PORT", "5432")),
        dbname=os.environ.get("SKILLPATH_TEST_POSTGRES_DB", "test"),
        user=os.environ.get("SKILLPATH_TEST_POSTGRES_USER", "postgres"),
        password=os.environ.get("SKILLPATH_TEST_POSTGRES_PASSWORD", ""),
        pool_size=4,
    )


def _connect(pg: PostgresSettings) -> psycopg.Connection[Any]:
    return psycopg.connect(
        host=pg.host, port=pg.port, dbname=pg.dbname, user=pg.user, password=pg.password,
        autocommit=True, connect_timeout=3,
    )  # fmt: skip


@contextlib.contextmanager
def fresh_postgres_schema() -> Iterator[Settings]:
    """Settings on a new PostgreSQL schema, dropped on exit; an unreachable server fails."""
    base = postgres_base()
    try:
        admin = _connect(base)
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {base.host}:{base.port}/{base.dbname}: {error}"
            " (set SKILLPATH_TEST_POSTGRES_* to point the tests at one)"
        )
    schema = f"sp_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield Settings(
            persistence="postgres",
            postgres=PostgresSettings(**{**base.__dict__, "schema": schema}),
            seed_if_empty=False,
            consistency_timeout_seconds=10,
        )
    finally:
        admin.execute(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


@pytest.fixture
def postgres_settings() -> Iterator[Settings]:
    """Settings on a fresh PostgreSQL schema that is dropped after the test."""
    with fresh_postgres_schema() as settings:
        yield settings


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(
        persistence="sqlite",
        sqlite_path=str(tmp_path / "skillpath.sqlite3"),
        seed_if_empty=False,
        consistency_timeout_seconds=10,
    )


@pytest.fixture
def memory_settings() -> Settings:
    return Settings(persistence="memory", seed_if_empty=False, consistency_timeout_seconds=10)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def any_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """The same test on every storage engine (model versions in the test's own folder)."""
    settings: Settings = request.getfixturevalue(f"{request.param}_settings")
    return dataclasses.replace(settings, model_dir=str(tmp_path / "models"))


@pytest.fixture
def services(any_settings: Settings) -> Iterator[Services]:
    built = build_services(any_settings)
    try:
        yield built
    finally:
        built.close()


class GraphQLClient:
    """Posts GraphQL over HTTP to the real ASGI app and returns the decoded body.

    ``as_employee(id)`` is the same client acting as that employee (``services`` given)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        services: Services | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.http = http
        self.services = services
        self.headers = headers or {}

    def acting_as(self, role: str, subject: str | None = None) -> GraphQLClient:
        assert self.services is not None, "acting as someone needs the client's services"
        return GraphQLClient(self.http, self.services, auth_headers(self.services, role, subject))

    def as_employee(self, employee_id: object) -> GraphQLClient:
        return self.acting_as("employee", str(employee_id))

    async def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, **variables: Any) -> dict[str, Any]:
        """The ``data`` of a response that must have no errors."""
        body = await self(query, **variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data


#: For tests whose server runs apart from the test's services (subprocesses, Node clients).
TEST_JWT_SECRET = "skillpath-test-secret-0123456789abcdef"


def operator_token(secret: str = TEST_JWT_SECRET) -> str:
    """An admin token for a server configured with ``jwt_secret=secret``."""
    return mint_token(secret.encode(), role="admin", subject="admin@skillpath")


def token_for(services: Services, role: str = "admin", subject: str | None = None) -> str:
    """A bearer token these services' API accepts (the embedded HS256 secret)."""
    secret = signing_secret(services.settings, services.app.master_key)
    assert secret is not None
    return mint_token(secret, role=role, subject=subject or f"{role}@skillpath")


def auth_headers(
    services: Services, role: str = "admin", subject: str | None = None
) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(services, role, subject)}"}


@pytest.fixture
async def gql(services: Services) -> AsyncIterator[GraphQLClient]:
    """A client acting as an operator (admin); authorisation has its own tests."""
    app = create_app(services.settings, services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://skillpath.test", headers=auth_headers(services)
    ) as http:
        yield GraphQLClient(http, services)
