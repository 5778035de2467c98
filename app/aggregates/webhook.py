"""A webhook endpoint HR keeps: where events go, which ones, for what kind of receiver,
and the secret that signs them (sealed, never in the clear).

Registration, every change and the removal are events, so who changed an endpoint and
when is in the log like any other decision. The secret is sealed by the caller with a
secret the master-key rotation keeps (app/keystore.py), so an event written before a
rotation still opens after it.
"""

from __future__ import annotations

from eventsourcing.domain import Aggregate, event

from app.aggregates.base import Actor


class WebhookEndpoint(Aggregate):
    """One receiver of events."""

    class Registered(Aggregate.Created):
        url: str
        kind: str
        event_kinds: list[str]
        sealed_secret: str
        #: It receives the events after this log position.
        start_position: int
        actor: Actor

    class Changed(Aggregate.Event):
        """The endpoint as it is now (every field, changed or not)."""

        url: str
        kind: str
        event_kinds: list[str]
        sealed_secret: str
        actor: Actor

    class Removed(Aggregate.Event):
        actor: Actor

    @event(Registered)
    def __init__(
        self,
        url: str,
        kind: str,
        event_kinds: list[str],
        sealed_secret: str,
        start_position: int,
        actor: Actor,
    ) -> None:
        self.url = url
        self.kind = kind
        self.event_kinds = list(event_kinds)
        self.sealed_secret = sealed_secret
        self.removed = False

    @event(Changed)
    def change(
        self, url: str, kind: str, event_kinds: list[str], sealed_secret: str, actor: Actor
    ) -> None:
        self.url = url
        self.kind = kind
        self.event_kinds = list(event_kinds)
        self.sealed_secret = sealed_secret

    @event(Removed)
    def remove(self, actor: Actor) -> None:
        self.removed = True
