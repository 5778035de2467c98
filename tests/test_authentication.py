"""Authentication: bearer tokens, 401 with a reason and no data, WebSockets, dev tokens, JWKS."""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import uuid4

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.aggregates import Actor
from app.auth.tokens import TokenRejected, TokenVerifier, mint_token, signing_secret
from app.bootstrap import Services, build_services, master_key_for
from app.cli import main
from app.main import create_app
from app.settings import Settings
from tests.conftest import token_for
from tests.domain_support import HR, Organisation
from tests.live_server import free_port, serving

ROLES_QUERY = {"query": "{ roles { id } }"}
HIRE = {
    "query": 'mutation { defineRole(input: {code: "x", title: "X", source: "",'
    ' requiredSkills: [{skill: "sql", level: 1}]}) { __typename } }'
}


@pytest.fixture
def memory_services(memory_settings: Settings) -> Iterator[Services]:
    built = build_services(memory_settings, start_projections=False)
    try:
        yield built
    finally:
        built.close()


def secret_of(services: Services) -> bytes:
    secret = signing_secret(services.settings, services.app.master_key)
    assert secret is not None
    return secret


def bad_tokens(services: Services) -> dict[str, tuple[dict[str, str], str]]:
    """Headers that must be refused, and the reason the answer must give."""
    secret = secret_of(services)
    now = int(time.time())
    return {
        "missing": ({}, "a bearer token is required"),
        "not bearer": ({"Authorization": "Basic YWRtaW46YWRtaW4="}, "must read: Bearer"),
        "malformed": ({"Authorization": "Bearer not.a.token"}, "malformed"),
        "wrongly signed": (
            {"Authorization": "Bearer " + mint_token(b"another secret" * 3, role="admin",
                                                     subject="x")},
            "signature does not match",
        ),
        "expired": (
            {"Authorization": "Bearer " + jwt.encode(
                {"sub": "x", "role": "admin", "exp": now - 600}, secret, algorithm="HS256")},
            "expired",
        ),
        "no expiry": (
            {"Authorization": "Bearer " + jwt.encode({"sub": "x", "role": "admin"}, secret,
                                                     algorithm="HS256")},
            "no 'exp' claim",
        ),
        "unknown role": (
            {"Authorization": "Bearer " + jwt.encode(
                {"sub": "x", "role": "ceo", "exp": now + 600}, secret, algorithm="HS256")},
            "role 'ceo' is not one of",
        ),
        "employee without an employee id": (
            {"Authorization": "Bearer " + mint_token(secret, role="employee", subject="ada")},
            "subject must be an employee id",
        ),
    }  # fmt: skip


CASES = [
    "missing", "not bearer", "malformed", "wrongly signed", "expired", "no expiry",
    "unknown role", "employee without an employee id",
]  # fmt: skip


@pytest.mark.parametrize("case", CASES)
async def test_a_bad_token_gets_401_with_the_reason_and_no_data(
    memory_services: Services, case: str
) -> None:
    headers, reason = bad_tokens(memory_services)[case]
    before = memory_services.app.last_position()
    transport = httpx.ASGITransport(app=create_app(memory_services.settings, memory_services))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.post("/graphql", json=HIRE, headers=headers)

    body = response.json()
    assert response.status_code == 401
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert reason in body["errors"][0]["extensions"]["reason"]
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert memory_services.app.last_position() == before  # nothing was written


async def test_a_valid_token_is_answered(memory_services: Services) -> None:
    transport = httpx.ASGITransport(app=create_app(memory_services.settings, memory_services))
    headers = {"Authorization": f"Bearer {token_for(memory_services, 'hr')}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.post("/graphql", json=ROLES_QUERY, headers=headers)
    assert response.status_code == 200 and response.json() == {"data": {"roles": []}}


async def test_graphiql_opens_without_a_token_and_shows_how_to_get_one(
    memory_services: Services,
) -> None:
    transport = httpx.ASGITransport(app=create_app(memory_services.settings, memory_services))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        query = await http.get("/graphql", params={"query": "{ roles { id } }"})

    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert "skillpath token --role admin" in page.text
    assert query.status_code == 401  # only the page itself is open


async def socket_answer(url: str, payload: dict[str, Any]) -> dict[str, Any] | int:
    """The first message after connection_init, or the close code."""
    async with connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        try:
            message: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), 10))
        except ConnectionClosed as closed:
            assert closed.rcvd is not None
            return closed.rcvd.code
        return message


async def test_a_websocket_acts_as_the_token_in_its_connection_init(
    memory_services: Services,
) -> None:
    with serving(memory_services) as base:
        url = base.replace("http", "ws") + "/graphql"
        accepted = await socket_answer(url, {"token": token_for(memory_services, "auditor")})
        as_header = await socket_answer(
            url, {"Authorization": f"Bearer {token_for(memory_services, 'hr')}"}
        )
        refused = await socket_answer(url, {"token": "not.a.token"})
        missing = await socket_answer(url, {})

    assert isinstance(accepted, dict) and accepted["type"] == "connection_ack"
    assert isinstance(as_header, dict) and as_header["type"] == "connection_ack"
    assert refused == missing == 4403


def test_the_token_command_mints_a_token_the_server_accepts(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SKILLPATH_PERSISTENCE", "sqlite")
    monkeypatch.setenv("SKILLPATH_SQLITE_PATH", sqlite_settings.sqlite_path)
    employee = str(uuid4())

    assert main(["token", "--role", "hr", "--employee", employee]) == 0
    token = capsys.readouterr().out.strip()
    assert main(["token", "--role", "manager"]) == 2
    assert "--employee" in capsys.readouterr().err

    verifier = TokenVerifier.for_settings(sqlite_settings, master_key_for(sqlite_settings))
    assert verifier.actor(token) == Actor(id=employee, role="hr")


class KeySet(http.server.BaseHTTPRequestHandler):
    body = b"{}"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_: Any) -> None:
        pass


@contextlib.contextmanager
def identity_provider(public_jwk: dict[str, Any]) -> Iterator[str]:
    """A JWKS endpoint on loopback, as an identity provider publishes it."""
    handler = type("Keys", (KeySet,), {"body": json.dumps({"keys": [public_jwk]}).encode()})
    server = http.server.HTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    finally:
        server.shutdown()
        thread.join(5)


def test_production_tokens_are_rs256_checked_against_the_identity_providers_key_set() -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    public_jwk.update(kid="key-1", use="sig", alg="RS256")
    employee = str(uuid4())
    claims = {"sub": employee, "role": "employee", "exp": int(time.time()) + 600,
              "aud": "skillpath", "iss": "https://idp.example.com/"}  # fmt: skip
    signed = jwt.encode(claims, private, algorithm="RS256", headers={"kid": "key-1"})
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, other, algorithm="RS256", headers={"kid": "key-1"})

    with identity_provider(public_jwk) as url:
        settings = replace(
            Settings(), jwks_url=url, jwt_audience="skillpath", jwt_issuer=claims["iss"]
        )
        verifier = TokenVerifier.for_settings(settings, b"\0" * 32)
        assert verifier.actor(signed) == Actor(id=employee, role="employee")
        with pytest.raises(TokenRejected, match="signature does not match"):
            verifier.actor(forged)
        with pytest.raises(TokenRejected, match="RS256"):
            verifier.actor(mint_token(b"s" * 32, role="admin", subject="x"))
        wrong_audience = jwt.encode(
            {**claims, "aud": "another-app"}, private, algorithm="RS256", headers={"kid": "key-1"}
        )
        with pytest.raises(TokenRejected, match="another audience"):
            verifier.actor(wrong_audience)


STANDING = "the token's subject is no employee of this organisation"


async def answer(services: Services, token: str, body: dict[str, Any]) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_app(services.settings, services))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        return await http.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})


async def test_a_token_for_nobody_who_left_or_who_was_erased_is_refused_at_the_door(
    memory_services: Services,
) -> None:
    org = Organisation(memory_services.app)
    left = org.hire("leaver@example.com", name="Lee Leaver")
    erased = org.hire("eraser@example.com", name="Erin Eraser")
    memory_services.app.offboard_employee(left, left_on=date(2024, 6, 30), actor=HR)
    memory_services.app.request_erasure(erased, actor=HR)
    memory_services.runner.catch_up()

    def employee_token(subject: object, role: str = "employee") -> str:
        return token_for(memory_services, role, str(subject))

    nobody = await answer(memory_services, employee_token(uuid4()), {"query": "{ myData }"})
    leaver = await answer(memory_services, employee_token(left), {"query": "{ myData }"})
    gone = await answer(memory_services, employee_token(erased), {"query": "{ myData }"})
    active = await answer(memory_services, employee_token(org.employee_id),
                          {"query": "{ myData }"})  # fmt: skip

    assert (nobody.status_code, nobody.json()["errors"][0]["extensions"]["reason"]) == (
        401, STANDING,
    )  # fmt: skip
    assert leaver.status_code == 401 and "has left" in leaver.text
    assert gone.status_code == 401 and "was erased" in gone.text
    assert "data" not in gone.json() or gone.json()["data"] is None
    assert active.status_code == 200 and active.json()["data"]["myData"]


async def test_an_erased_manager_can_no_longer_assess_their_reports(
    memory_services: Services,
) -> None:
    org = Organisation(memory_services.app)
    token = token_for(memory_services, "manager", str(org.manager_id))
    assess = {
        "query": 'mutation($e: ID!) { assessSkill(input: {employeeId: $e, skill: "sql",'
        " level: 2, source: MANAGER}) { __typename } }",
        "variables": {"e": str(org.employee_id)},
    }
    before = await answer(memory_services, token, assess)
    memory_services.app.request_erasure(org.manager_id, actor=HR)
    head = memory_services.app.last_position()

    after = await answer(memory_services, token, assess)

    assert before.json()["data"]["assessSkill"]["__typename"] == "EmployeePayload"
    assert after.status_code == 401
    assert memory_services.app.last_position() == head


async def test_an_open_websocket_of_an_employee_is_closed_once_they_are_erased(
    memory_services: Services,
) -> None:
    org = Organisation(memory_services.app)
    memory_services.runner.catch_up()
    gone = org.hire("gone@example.com", name="Gwen Gone")
    token = token_for(memory_services, "employee", str(gone))
    with serving(memory_services) as base:
        url = base.replace("http", "ws") + "/graphql"
        refused_later = await socket_answer(url, {"token": token_for(
            memory_services, "employee", str(uuid4()))})  # fmt: skip
        async with connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
            await socket.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
            acked = json.loads(await asyncio.wait_for(socket.recv(), 10))
            await asyncio.to_thread(memory_services.app.request_erasure, gone, actor=HR)
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), 10)
        after = await socket_answer(url, {"token": token})

    assert acked["type"] == "connection_ack"
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    assert "erased" in closed.value.rcvd.reason
    assert refused_later == after == 4403
