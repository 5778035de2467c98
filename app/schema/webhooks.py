"""Webhooks: HR registers endpoints and reads what was delivered and what failed."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from app.access.webhooks import EndpointKind
from app.aggregates import DomainError
from app.bootstrap import Services
from app.commands.base import Written
from app.integration.webhooks import DELIVERY_KEY, Delivery, Endpoint
from app.schema.common import (
    AFTER_HELP,
    BeforeCursor,
    Last,
    PageInfo,
    encode_key_cursor,
    key_slice,
    page_info_of,
)
from app.schema.context import SkillpathInfo
from app.schema.errors import as_error, bad_input, parse_id, query_id
from app.schema.idempotency import IdempotentInput
from app.schema.payloads import result


@strawberry.enum(description="What an endpoint is; it decides which personal fields it gets.")
class WebhookEndpointKind(Enum):
    HRIS = strawberry.enum_value(
        "hris", description="The HR system of record: identity and employment fields too."
    )
    LMS = strawberry.enum_value("lms", description="A learning platform: no personal fields.")
    OTHER = strawberry.enum_value("other", description="Anything else: no personal fields.")


@strawberry.type(description="A registered webhook endpoint (its secret is never shown).")
class WebhookEndpoint:
    id: strawberry.ID
    url: str = strawberry.field(description="Where the events are posted (http or https).")
    kind: WebhookEndpointKind
    event_kinds: list[str] = strawberry.field(
        description="Event kinds delivered, such as Enrollment.Completed or Employee.*."
    )
    position: int = strawberry.field(
        description="The last event-log position this endpoint has had (delivered or skipped)."
    )
    failures_in_a_row: int = strawberry.field(
        description="Failed attempts since the last delivery (the backoff doubles with each)."
    )
    next_attempt_at: datetime | None = strawberry.field(
        description="When a failed delivery is tried again; null when none is waiting."
    )

    @staticmethod
    def of(endpoint: Endpoint) -> WebhookEndpoint:
        return WebhookEndpoint(
            id=strawberry.ID(endpoint.id),
            url=endpoint.url,
            kind=WebhookEndpointKind[endpoint.kind.name],
            event_kinds=list(endpoint.event_kinds),
            position=endpoint.position,
            failures_in_a_row=endpoint.failures,
            next_attempt_at=endpoint.next_attempt_at,
        )


@strawberry.type(description="One attempt to deliver one event to one endpoint.")
class WebhookDelivery:
    delivery_id: strawberry.ID = strawberry.field(
        description="The same for every attempt at one event (X-Skillpath-Delivery)."
    )
    attempt: int = strawberry.field(description="1 for the first try, then one more per retry.")
    position: int = strawberry.field(description="The event's log position.")
    event_type: str = strawberry.field(
        description="The event's kind, such as Enrollment.Completed."
    )
    status: str = strawberry.field(description="delivered or failed")
    http_status: int | None = strawberry.field(description="The receiver's answer, if any.")
    error: str | None = strawberry.field(
        description="Why the attempt failed (timeout, refused, non-2xx); null if it did not."
    )
    attempted_at: datetime = strawberry.field(description="When the attempt was made.")
    lag_ms: float | None = strawberry.field(
        description="Milliseconds from the event to this attempt's answer."
    )

    @staticmethod
    def of(d: Delivery) -> WebhookDelivery:
        return WebhookDelivery(
            delivery_id=strawberry.ID(d.delivery_id), attempt=d.attempt, position=d.position,
            event_type=d.event_type, status=d.status, http_status=d.http_status, error=d.error,
            attempted_at=d.attempted_at, lag_ms=d.lag_ms,
        )  # fmt: skip


@strawberry.type(description="A webhook endpoint was registered or changed.")
class WebhookPayload:
    endpoint: WebhookEndpoint = strawberry.field(description="The endpoint as it is now.")


@strawberry.type(description="A webhook endpoint was removed: nothing is delivered to it any more.")
class WebhookRemovedPayload:
    endpoint_id: strawberry.ID = strawberry.field(
        description="The removed endpoint (its delivery attempts stay queryable)."
    )
    position: int = strawberry.field(description="The event-log position of the removal.")


RegisterWebhookResult = result("RegisterWebhookResult", WebhookPayload)
ChangeWebhookResult = result("ChangeWebhookResult", WebhookPayload)
RemoveWebhookResult = result("RemoveWebhookResult", WebhookRemovedPayload)


@strawberry.input(description="A receiver of events, signed with its secret.")
class RegisterWebhookInput(IdempotentInput):
    url: str = strawberry.field(description="An http:// or https:// URL.")
    secret: str = strawberry.field(
        description="16 to 200 characters; each delivery carries X-Skillpath-Signature:"
        " sha256=<HMAC-SHA256 of the body with this secret>."
    )
    event_kinds: list[str] = strawberry.field(
        description="Event kinds wanted, such as Enrollment.Completed or Employee.*."
    )
    kind: WebhookEndpointKind = strawberry.field(
        default=WebhookEndpointKind.OTHER,
        description="What the receiver is; it decides which personal fields it gets.",
    )


@strawberry.input(description="What changes of an endpoint; a field left out stays as it is.")
class ChangeWebhookInput(IdempotentInput):
    endpoint_id: strawberry.ID = strawberry.field(description="The endpoint to change.")
    url: str | None = strawberry.field(default=None, description="A new http(s) URL.")
    secret: str | None = strawberry.field(
        default=None,
        description="A new secret (16 to 200 characters); deliveries from now on are signed"
        " with it.",
    )
    event_kinds: list[str] | None = strawberry.field(
        default=None, description="The event kinds wanted from now on (replaces the list)."
    )
    kind: WebhookEndpointKind | None = strawberry.field(
        default=None, description="What the receiver is from now on."
    )


@strawberry.input(description="The endpoint to remove.")
class RemoveWebhookInput(IdempotentInput):
    endpoint_id: strawberry.ID = strawberry.field(description="The endpoint to remove.")


def _kind(kind: WebhookEndpointKind) -> EndpointKind:
    return EndpointKind(kind.name.lower())


def _as_written(services: Services, written: Written) -> WebhookEndpoint:
    """The endpoint as the table shows it once the read models have the write; until
    then, as its events say (nothing delivered yet since the write)."""
    services.read_models_reach(written.position)
    found = services.webhooks.endpoint(str(written.id))
    if found is not None:
        return WebhookEndpoint.of(found)
    aggregate = services.app.webhook_endpoint(written.id)
    return WebhookEndpoint(
        id=strawberry.ID(str(aggregate.id)), url=aggregate.url,
        kind=WebhookEndpointKind[aggregate.kind.upper()],
        event_kinds=list(aggregate.event_kinds), position=written.position,
        failures_in_a_row=0, next_attempt_at=None,
    )  # fmt: skip


@strawberry.type(description="A delivery attempt on a page, with its cursor.")
class WebhookDeliveryEdge:
    cursor: str = strawberry.field(
        description="Opaque cursor of this item: pass it as after or before to page from here."
    )
    node: WebhookDelivery = strawberry.field(description="The attempt.")


@strawberry.type(
    description="A page of an endpoint's delivery attempts (Relay connection), in the order"
    " they were made and keyed by the event's position and the attempt, so a cursor keeps its"
    " place as attempts are added."
)
class WebhookDeliveryConnection:
    edges: list[WebhookDeliveryEdge] = strawberry.field(
        description="The items of this page, each with its cursor."
    )
    page_info: PageInfo = strawberry.field(
        description="Whether more pages follow or precede, and the cursors to reach them."
    )
    total_count: int = strawberry.field(description="How many attempts match the filter.")


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="Every registered webhook endpoint.")
    async def webhook_endpoints(self, info: SkillpathInfo) -> list[WebhookEndpoint]:
        found = await info.context.run(info.context.services.webhooks.endpoints)
        return [WebhookEndpoint.of(e) for e in found]

    @strawberry.field(
        description="An endpoint's latest delivery attempts, newest first.",
        deprecation_reason="Use webhookDeliveriesConnection: it pages with cursors.",
    )
    async def webhook_deliveries(
        self,
        info: SkillpathInfo,
        endpoint_id: Annotated[
            strawberry.ID, strawberry.argument(description="The endpoint whose attempts to list.")
        ],
        first: Annotated[
            int, strawberry.argument(description="How many of the newest attempts (1-100).")
        ] = 20,
        failed_only: Annotated[
            bool, strawberry.argument(description="Only the attempts that failed.")
        ] = False,
    ) -> list[WebhookDelivery]:
        if not 1 <= first <= 100:
            raise bad_input("first", "must be between 1 and 100")
        store = info.context.services.webhooks
        found = await info.context.run(
            lambda: store.deliveries(
                query_id(endpoint_id, "endpointId"), first=first, failed_only=failed_only
            )
        )
        return [WebhookDelivery.of(d) for d in found]

    @strawberry.field(
        description="An endpoint's delivery attempts as a connection, oldest first: `last`"
        " pages back from the newest, and cursors keep their place as attempts are added."
    )
    async def webhook_deliveries_connection(
        self,
        info: SkillpathInfo,
        endpoint_id: Annotated[
            strawberry.ID, strawberry.argument(description="The endpoint whose attempts to list.")
        ],
        first: Annotated[
            int,
            strawberry.argument(
                description="How many items to return (1-100), from the start or after the"
                " `after` cursor."
            ),
        ] = 20,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
        last: Last = None,
        before: BeforeCursor = None,
        failed_only: Annotated[
            bool, strawberry.argument(description="Only the attempts that failed.")
        ] = False,
    ) -> WebhookDeliveryConnection:
        window = key_slice("delivery", len(DELIVERY_KEY), first, after, last, before)
        endpoint = query_id(endpoint_id, "endpointId")
        page = await info.context.read(
            info.context.services.webhooks.delivery_page, endpoint, first=window.first,
            after=_numbers(window.after, "after"), last=window.last,
            before=_numbers(window.before, "before"), failed_only=failed_only,
        )  # fmt: skip
        edges = [
            WebhookDeliveryEdge(
                cursor=encode_key_cursor("delivery", (str(d.position), str(d.attempt))),
                node=WebhookDelivery.of(d),
            )
            for d in page.items
        ]
        return WebhookDeliveryConnection(
            edges=edges, page_info=page_info_of([e.cursor for e in edges], page),
            total_count=page.total,
        )  # fmt: skip


def _numbers(key: tuple[str, ...] | None, field: str) -> tuple[int, ...] | None:
    """A delivery cursor's (position, attempt), as the numbers they are."""
    if key is None:
        return None
    if not all(part.isdigit() for part in key):
        raise bad_input(field, "is not a cursor from this connection")
    return tuple(int(part) for part in key)


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(
        description="Register an endpoint; it receives the wanted events written from now on."
    )
    async def register_webhook(
        self, info: SkillpathInfo, input: RegisterWebhookInput
    ) -> RegisterWebhookResult:
        ctx = info.context
        services = ctx.services

        def register() -> WebhookEndpoint:
            written = services.app.register_webhook(
                url=input.url, secret=input.secret, event_kinds=input.event_kinds,
                kind=_kind(input.kind), actor=ctx.actor,
            )  # fmt: skip
            return _as_written(services, written)

        try:
            endpoint = await ctx.run(register)
        except DomainError as error:
            return as_error(error)
        return WebhookPayload(endpoint=endpoint)

    @strawberry.mutation(
        description="Change an endpoint's URL, secret, event kinds or kind (an event); the"
        " next delivery follows the change."
    )
    async def change_webhook(
        self, info: SkillpathInfo, input: ChangeWebhookInput
    ) -> ChangeWebhookResult:
        ctx = info.context
        services = ctx.services

        def change() -> WebhookEndpoint:
            endpoint_id = parse_id(input.endpoint_id, "endpointId")
            written = services.app.change_webhook(
                endpoint_id, url=input.url, secret=input.secret, event_kinds=input.event_kinds,
                kind=None if input.kind is None else _kind(input.kind), actor=ctx.actor,
                listed=services.webhooks.endpoint(str(endpoint_id)),
            )  # fmt: skip
            return _as_written(services, written)

        try:
            endpoint = await ctx.run(change)
        except DomainError as error:
            return as_error(error)
        return WebhookPayload(endpoint=endpoint)

    @strawberry.mutation(
        description="Remove an endpoint (an event): nothing more is delivered to it; its"
        " delivery attempts stay queryable."
    )
    async def remove_webhook(
        self, info: SkillpathInfo, input: RemoveWebhookInput
    ) -> RemoveWebhookResult:
        ctx = info.context
        services = ctx.services

        def remove() -> Written:
            endpoint_id = parse_id(input.endpoint_id, "endpointId")
            written = services.app.remove_webhook(
                endpoint_id, actor=ctx.actor, listed=services.webhooks.endpoint(str(endpoint_id))
            )
            services.read_models_reach(written.position)
            return written

        try:
            written = await ctx.run(remove)
        except DomainError as error:
            return as_error(error)
        return WebhookRemovedPayload(
            endpoint_id=strawberry.ID(str(written.id)), position=written.position
        )
