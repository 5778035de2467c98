"""Signed webhooks against a local receiver that checks every signature and counts:
in order per endpoint, at least once, exponential backoff, resuming after a restart,
personal fields only for the endpoint kinds the access policy allows."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.server
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest

from app.access.webhooks import EndpointKind
from app.aggregates import NotFound, RequiredSkill, ValidationFailed
from app.bootstrap import Services, build_services
from app.integration.webhook_worker import WebhookWorker
from app.integration.webhooks import Delivery, Endpoint
from app.main import create_app
from app.projections.replay import replay
from app.settings import Settings
from tests.conftest import GraphQLClient, auth_headers
from tests.domain_support import HR, Organisation
from tests.live_server import free_port

SECRET = "receiver-secret-0123456789"


@dataclass
class Receiver:
    """What the receiver saw: valid deliveries in arrival order, and refused ones."""

    url: str
    delivered: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    bad_signatures: int = 0
    fail_next: int = 0
    stall_next: int = 0


@contextlib.contextmanager
def receiver(secret: str = SECRET) -> Iterator[Receiver]:
    seen = Receiver(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if seen.stall_next:
                seen.stall_next -= 1
                time.sleep(1.0)  # longer than the worker waits: a receiver that times out
            expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, self.headers.get("X-Skillpath-Signature", "")):
                seen.bad_signatures += 1
                self.send_response(401)
            elif seen.fail_next:
                seen.fail_next -= 1
                self.send_response(503)
            else:
                seen.delivered.append(json.loads(body))
                seen.headers.append(dict(self.headers))
                self.send_response(204)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    seen.url = f"http://127.0.0.1:{server.server_port}/hooks"
    try:
        yield seen
    finally:
        server.shutdown()
        thread.join(5)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def register(
    services: Services, *, url: str, event_kinds: list[str],
    kind: EndpointKind = EndpointKind.OTHER, secret: str = SECRET,
) -> Endpoint:  # fmt: skip
    """HR registers an endpoint (an event); the endpoint table follows."""
    written = services.app.register_webhook(
        url=url, secret=secret, event_kinds=event_kinds, kind=kind, actor=HR
    )
    services.runner.catch_up()
    found = services.webhooks.endpoint(str(written.id))
    assert found is not None
    return found


def drain(worker: WebhookWorker, rounds: int = 20) -> None:
    for _ in range(rounds):
        if not worker.deliver_once():
            return


@pytest.fixture
def services(sqlite_settings: Settings) -> Iterator[Services]:
    built = build_services(sqlite_settings, start_projections=False)
    try:
        yield built
    finally:
        built.close()


def test_deliveries_are_signed_in_order_and_personal_fields_go_only_where_allowed(
    services: Services,
) -> None:
    with receiver() as hris, receiver() as lms:
        for url, kind in ((hris.url, EndpointKind.HRIS), (lms.url, EndpointKind.LMS)):
            register(services, url=url, event_kinds=["Employee.Hired", "Role.*"], kind=kind)
        Organisation(services.app, tag="-wh")
        drain(WebhookWorker(services.app, services.webhooks))
        assert hris.bad_signatures == lms.bad_signatures == 0
        assert [d["type"] for d in hris.delivered] == ["Role.RoleDefined"] * 2 + [
            "Employee.Hired"
        ] * 2
        positions = [d["position"] for d in hris.delivered]
        assert positions == sorted(positions)
        assert [d["position"] for d in lms.delivered] == positions
        assert hris.headers[0]["X-Skillpath-Position"] == str(positions[0])
        assert hris.headers[0]["X-Skillpath-Delivery"] == hris.delivered[0]["deliveryId"]
        hired_hris, hired_lms = hris.delivered[-1]["data"], lms.delivered[-1]["data"]
        assert hired_hris["email"].startswith("ada") and hired_hris["department"]
        assert "email" not in hired_lms and "name" not in hired_lms
        assert hired_lms["department"] == hired_hris["department"]


def test_a_failing_receiver_is_retried_with_backoff_in_order_and_a_restart_resumes(
    sqlite_settings: Settings,
) -> None:
    clock = Clock()
    services = build_services(sqlite_settings, start_projections=False)
    with receiver() as seen:
        endpoint = register(services, url=seen.url, event_kinds=["Role.*"])
        Organisation(services.app, tag="-bo")
        worker = WebhookWorker(services.app, services.webhooks, backoff_seconds=1, clock=clock)
        seen.fail_next = 2
        worker.deliver_once()
        first = services.webhooks.endpoint(endpoint.id)
        assert first is not None and first.failures == 1 and seen.delivered == []
        assert first.next_attempt_at == clock.now + timedelta(seconds=1)
        assert not worker.deliver_once()  # waiting out the backoff: nothing is tried
        clock.now += timedelta(seconds=1)
        worker.deliver_once()
        second = services.webhooks.endpoint(endpoint.id)
        assert second is not None and second.next_attempt_at == clock.now + timedelta(seconds=2)
        clock.now += timedelta(seconds=2)
        worker.deliver_once()  # the first role now, then stop: restart before the second
        attempts = services.webhooks.deliveries(endpoint.id, first=10)
        assert [a.status for a in reversed(attempts)][:3] == ["failed", "failed", "delivered"]
        assert len({a.delivery_id for a in attempts if a.position == attempts[-1].position}) == 1
        services.close()

        restarted = build_services(sqlite_settings, start_projections=False)
        try:
            drain(WebhookWorker(restarted.app, restarted.webhooks, clock=clock))
            ids = [d["deliveryId"] for d in seen.delivered]
            assert len(ids) == len(set(ids)) == 2
            assert [d["type"] for d in seen.delivered] == ["Role.RoleDefined", "Role.RoleDefined"]
        finally:
            restarted.close()


def test_a_receiver_that_times_out_is_a_recorded_failure_and_the_worker_carries_on(
    services: Services,
) -> None:
    with receiver() as seen:
        endpoint = register(services, url=seen.url, event_kinds=["Role.*"])
        services.app.define_role(
            code="ops", title="Ops", source="", skills=[RequiredSkill("ops", 2)], actor=HR
        )
        seen.stall_next = 1
        clock = Clock()
        worker = WebhookWorker(services.app, services.webhooks, timeout_seconds=0.2, clock=clock)
        worker.deliver_once()
        [failure] = services.webhooks.deliveries(endpoint.id, failed_only=True)
        assert failure.http_status is None and "no answer" in (failure.error or "")
        clock.now += timedelta(minutes=10)
        drain(worker)
        assert len(seen.delivered) == 1


def test_registration_refuses_urls_that_are_not_http_and_unknown_event_kinds(
    services: Services,
) -> None:
    refusals = [
        ("ftp://x.example/h", ["Role.*"], "url"),
        ("http://x.example/h", ["Nothing.Happened"], "eventKinds"),
    ]
    for url, kinds, field_name in refusals:
        with pytest.raises(ValidationFailed) as refused:
            services.app.register_webhook(
                url=url, secret=SECRET, event_kinds=kinds, kind=EndpointKind.OTHER, actor=HR
            )
        assert refused.value.field == field_name


@pytest.fixture
async def gql(sqlite_settings: Settings) -> AsyncIterator[GraphQLClient]:
    """HR over GraphQL, on services whose read models follow the log as a server's do."""
    built = build_services(sqlite_settings)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(built.settings, built)),
            base_url="http://skillpath.test", headers=auth_headers(built, "hr"),
        ) as http:  # fmt: skip
            yield GraphQLClient(http, built)
    finally:
        built.close()


async def test_hr_registers_an_endpoint_and_reads_its_deliveries_over_graphql(
    gql: GraphQLClient,
) -> None:
    document = """mutation($input: RegisterWebhookInput!) { registerWebhook(input: $input) {
        __typename ... on WebhookPayload { endpoint { id url kind eventKinds } }
        ... on UserError { field message } } }"""
    bad = await gql.data(document, input={"url": "javascript:alert(1)", "secret": SECRET,
                                          "eventKinds": ["Role.*"]})  # fmt: skip
    assert bad["registerWebhook"]["field"] == "url"
    wanted = {"url": "https://hr.example/hooks", "secret": SECRET, "eventKinds": ["Employee.*"]}
    good = await gql.data(document, input={**wanted, "kind": "HRIS"})
    endpoint = good["registerWebhook"]["endpoint"]
    assert endpoint["kind"] == "HRIS" and endpoint["eventKinds"] == ["Employee.*"]
    listed = await gql.data("{ webhookEndpoints { id } }")
    assert {"id": endpoint["id"]} in listed["webhookEndpoints"]
    deliveries = await gql.data(
        "query($e: ID!) { webhookDeliveries(endpointId: $e) { attempt } }", e=endpoint["id"]
    )
    assert deliveries["webhookDeliveries"] == []


def test_hr_changes_and_removes_an_endpoint_as_events_and_a_removed_one_gets_nothing(
    services: Services,
) -> None:
    new_secret = "a-new-receiver-secret-9876543210"
    with receiver() as first, receiver(new_secret) as second:
        endpoint = register(services, url=first.url, event_kinds=["Role.*"])
        Organisation(services.app, tag="-ch")
        worker = WebhookWorker(services.app, services.webhooks)
        drain(worker)
        assert [d["type"] for d in first.delivered] == ["Role.RoleDefined"] * 2
        endpoint_id = UUID(endpoint.id)
        standing = services.webhooks.endpoint(endpoint.id)
        assert standing is not None and standing.position > endpoint.position
        services.app.change_webhook(
            endpoint_id, url=second.url, secret=new_secret,
            event_kinds=["Role.*", "Employee.Hired"], actor=HR,
        )  # fmt: skip
        services.runner.catch_up()
        changed = services.webhooks.endpoint(endpoint.id)
        assert changed is not None and changed.url == second.url
        assert changed.secret == new_secret.encode() and changed.position == standing.position
        Organisation(services.app, tag="-ch2")
        drain(worker)
        assert second.bad_signatures == 0  # signed with the new secret
        assert [d["type"] for d in second.delivered] == (
            ["Role.RoleDefined"] * 2 + ["Employee.Hired"] * 2
        )
        assert len(first.delivered) == 2
        unchanged = services.app.last_position()
        services.app.change_webhook(endpoint_id, url=second.url, actor=HR)
        assert services.app.last_position() == unchanged  # nothing changed, nothing written
        services.app.remove_webhook(endpoint_id, actor=HR)
        services.runner.catch_up()
        assert services.webhooks.endpoint(endpoint.id) is None
        Organisation(services.app, tag="-ch3")
        drain(worker)
        assert len(second.delivered) == 4  # deliveries stopped
        assert services.webhooks.deliveries(endpoint.id, first=100)  # the record stays
        with pytest.raises(NotFound):
            services.app.remove_webhook(endpoint_id, actor=HR)
        with pytest.raises(NotFound):
            services.app.change_webhook(endpoint_id, url=first.url, actor=HR)
    events = [
        type(services.app.mapper.to_domain_event(s)).__qualname__
        for s in services.app.recorder.select_events(endpoint_id)
    ]
    assert events == [
        "WebhookEndpoint.Registered", "WebhookEndpoint.Changed", "WebhookEndpoint.Removed"
    ]  # fmt: skip
    stored = services.app.recorder.select_events(endpoint_id)
    assert not any(SECRET.encode() in s.state or new_secret.encode() in s.state for s in stored)


def test_a_replay_keeps_where_each_endpoint_stands_and_a_removed_one_stays_removed(
    services: Services,
) -> None:
    with receiver() as seen:
        kept = register(services, url=seen.url, event_kinds=["Role.*"])
        gone = register(services, url=seen.url, event_kinds=["Role.*"])
        Organisation(services.app, tag="-rp")
        drain(WebhookWorker(services.app, services.webhooks))
        services.app.remove_webhook(UUID(gone.id), actor=HR)
        services.runner.catch_up()
        before = services.webhooks.endpoint(kept.id)
        assert before is not None and before.position > kept.position
        replay(services.runner)
        after = services.webhooks.endpoint(kept.id)
        assert after is not None and after.position == before.position
        assert services.webhooks.endpoint(gone.id) is None


async def test_hr_changes_and_removes_an_endpoint_over_graphql_with_typed_errors(
    gql: GraphQLClient,
) -> None:
    register_document = """mutation($input: RegisterWebhookInput!) { registerWebhook(
        input: $input) { ... on WebhookPayload { endpoint { id } } } }"""
    registered = await gql.data(
        register_document,
        input={"url": "https://hr.example/hooks", "secret": SECRET, "eventKinds": ["Role.*"]},
    )
    endpoint_id = registered["registerWebhook"]["endpoint"]["id"]
    change = """mutation($input: ChangeWebhookInput!) { changeWebhook(input: $input) {
        __typename ... on WebhookPayload { endpoint { id url kind eventKinds } }
        ... on UserError { field message } } }"""
    changed = await gql.data(
        change, input={"endpointId": endpoint_id, "url": "https://hr2.example/hooks",
                       "kind": "HRIS", "eventKinds": ["Employee.*"]},
    )  # fmt: skip
    assert changed["changeWebhook"]["endpoint"] == {
        "id": endpoint_id, "url": "https://hr2.example/hooks", "kind": "HRIS",
        "eventKinds": ["Employee.*"],
    }  # fmt: skip
    bad_url = await gql.data(change, input={"endpointId": endpoint_id, "url": "ftp://x.example"})
    assert bad_url["changeWebhook"]["field"] == "url"
    short = await gql.data(change, input={"endpointId": endpoint_id, "secret": "short"})
    assert short["changeWebhook"]["field"] == "secret"
    remove = """mutation($input: RemoveWebhookInput!) { removeWebhook(input: $input) {
        __typename ... on WebhookRemovedPayload { endpointId position }
        ... on UserError { field message } } }"""
    removed = await gql.data(remove, input={"endpointId": endpoint_id})
    assert removed["removeWebhook"]["endpointId"] == endpoint_id
    listed = await gql.data("{ webhookEndpoints { id } }")
    assert {"id": endpoint_id} not in listed["webhookEndpoints"]
    again = await gql.data(remove, input={"endpointId": endpoint_id})
    assert again["removeWebhook"]["__typename"] == "NotFound"
    gone = await gql.data(change, input={"endpointId": endpoint_id, "url": "https://x.example"})
    assert gone["changeWebhook"]["__typename"] == "NotFound"
    malformed = await gql.data(remove, input={"endpointId": "not-an-id"})
    assert malformed["removeWebhook"]["field"] == "endpointId"
    lms = gql.acting_as("integration", "lms-1")
    refused = await lms(remove, input={"endpointId": endpoint_id})
    assert refused["data"]["removeWebhook"]["__typename"] == "NotAllowed"


def test_an_endpoint_registered_before_registrations_were_events_can_be_removed(
    services: Services,
) -> None:
    """A row in the endpoint table with no events of its own (an older registration) is
    taken over by its first change or removal, from where it stands."""
    legacy_id = "5d0c1f5e-8a57-4a36-9d3e-0b7c6a2f4e11"
    with services.gateway.transaction(write=True) as tx:
        tx.execute(
            "INSERT INTO {webhook_endpoints} (id, url, kind, event_kinds, sealed_secret,"
            " position, failures, next_attempt_at, created_at, created_by)"
            " VALUES (%s, %s, 'other', %s, %s, 7, 0, NULL, %s, 'hr')",
            (legacy_id, "http://127.0.0.1:9/old", json.dumps(["Role.*"]),
             services.webhooks.secrets.seal(legacy_id, SECRET), datetime.now(UTC).isoformat()),
        )  # fmt: skip
    listed = services.webhooks.endpoint(legacy_id)
    assert listed is not None
    with pytest.raises(NotFound):
        services.app.remove_webhook(UUID(legacy_id), actor=HR)  # not without the row
    services.app.change_webhook(
        UUID(legacy_id), url="http://127.0.0.1:9/new", actor=HR, listed=listed
    )
    services.runner.catch_up()
    changed = services.webhooks.endpoint(legacy_id)
    assert changed is not None and changed.url.endswith("/new") and changed.position == 7
    assert changed.secret == SECRET.encode()
    services.app.remove_webhook(UUID(legacy_id), actor=HR, listed=changed)
    services.runner.catch_up()
    assert services.webhooks.endpoint(legacy_id) is None


async def test_hr_pages_through_an_endpoints_deliveries_with_cursors_that_keep_their_place(
    gql: GraphQLClient,
) -> None:
    assert gql.services is not None
    store = gql.services.webhooks
    endpoint = gql.services.app.register_webhook(
        url="https://hr.example/hooks", secret=SECRET, event_kinds=["Employee.*"],
        kind=EndpointKind.HRIS, actor=HR,
    ).id  # fmt: skip
    at = datetime(2026, 1, 1, tzinfo=UTC)

    def attempt(position: int, number: int, status: str = "failed") -> None:
        store.failed(
            Delivery(f"d{position}", number, str(endpoint), position, "Employee.Hired", status,
                     500, "boom", at + timedelta(minutes=position), 1.0),
            at,
        )  # fmt: skip

    for position, number in ((10, 1), (10, 2), (11, 1), (12, 1)):
        attempt(position, number)
    attempt(12, 2, status="delivered")
    page = """query($e: ID!, $first: Int!, $after: String, $last: Int, $failed: Boolean!) {
      webhookDeliveriesConnection(endpointId: $e, first: $first, after: $after, last: $last,
                                  failedOnly: $failed) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
        edges { node { position attempt status } } } }"""

    async def read(**variables: Any) -> dict[str, Any]:
        found = await gql.data(page, e=str(endpoint), failed=False, **{"first": 2, **variables})
        return dict(found["webhookDeliveriesConnection"])

    def seen(connection: dict[str, Any]) -> list[tuple[int, int]]:
        return [(e["node"]["position"], e["node"]["attempt"]) for e in connection["edges"]]

    first = await read()
    assert first["totalCount"] == 5 and seen(first) == [(10, 1), (10, 2)]
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    attempt(11, 2)  # a retry lands between the pages: the cursor keeps its place
    second = await read(after=first["pageInfo"]["endCursor"])
    assert seen(second) == [(11, 1), (11, 2)] and second["pageInfo"]["hasPreviousPage"]
    newest = await read(last=2)
    assert seen(newest) == [(12, 1), (12, 2)]
    failed = await gql.data(page, e=str(endpoint), first=10, failed=True)
    assert (12, 2) not in seen(failed["webhookDeliveriesConnection"])
    assert failed["webhookDeliveriesConnection"]["totalCount"] == 5
    bad = await gql(page, e=str(endpoint), first=0, failed=False)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
