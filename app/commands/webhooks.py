"""Webhook endpoints as HR keeps them: registered, changed and removed, each an event.

The endpoint table that deliveries follow is projected from these events
(app/projections/webhook_endpoints.py); a removed endpoint leaves it, and deliveries to
it stop. Secrets enter events sealed, never in the clear.
"""

from __future__ import annotations

from functools import cached_property
from uuid import UUID, uuid4

from app.access.webhooks import EndpointKind
from app.aggregates import Actor, NotFound
from app.aggregates.webhook import WebhookEndpoint
from app.commands.base import CommandBase, Written
from app.integration.webhooks import Endpoint, WebhookSecrets, check_registration
from app.keystore import WEBHOOK_SECRETS


class WebhookCommands(CommandBase):
    """Commands on webhook endpoints."""

    @cached_property
    def webhook_secrets(self) -> WebhookSecrets:
        """Seals endpoint secrets with the secret a master-key rotation keeps."""
        return WebhookSecrets(self.subject_keys.derived_secret(WEBHOOK_SECRETS))

    def register_webhook(
        self, *, url: str, secret: str, event_kinds: list[str], kind: EndpointKind,
        actor: Actor,
    ) -> Written:  # fmt: skip
        """A new endpoint; it receives the wanted events written from now on."""
        url, kinds = check_registration(url, secret, event_kinds)
        endpoint_id = uuid4()
        endpoint = WebhookEndpoint._create(
            WebhookEndpoint.Registered,
            id=endpoint_id,
            url=url,
            kind=kind.value,
            event_kinds=kinds,
            sealed_secret=self.webhook_secrets.seal(str(endpoint_id), secret),
            start_position=self.last_position(),
            actor=actor,
        )
        return Written(self._store(endpoint), endpoint.id)

    def webhook_endpoint(
        self, endpoint_id: UUID, *, listed: Endpoint | None = None, actor: Actor | None = None
    ) -> WebhookEndpoint:
        """A registered endpoint that was not removed; ``NotFound`` otherwise.

        ``listed`` is the endpoint as the endpoint table holds it: an endpoint registered
        before registrations were events has no events, and is taken over here (its
        registration recorded as it stands, from its position on) to be changed or removed."""
        try:
            endpoint = self._load(WebhookEndpoint, endpoint_id, "webhook endpoint", "endpointId")
        except NotFound:
            if listed is None or actor is None or listed.id != str(endpoint_id):
                raise
            return WebhookEndpoint._create(
                WebhookEndpoint.Registered,
                id=endpoint_id,
                url=listed.url,
                kind=listed.kind.value,
                event_kinds=list(listed.event_kinds),
                sealed_secret=self.webhook_secrets.seal(str(endpoint_id), listed.secret.decode()),
                start_position=listed.position,
                actor=actor,
            )
        if endpoint.removed:
            raise NotFound("webhook endpoint", str(endpoint_id), "endpointId")
        return endpoint

    def change_webhook(
        self, endpoint_id: UUID, *, url: str | None = None, secret: str | None = None,
        event_kinds: list[str] | None = None, kind: EndpointKind | None = None, actor: Actor,
        listed: Endpoint | None = None,
    ) -> Written:  # fmt: skip
        """Change what is given (the rest stays); nothing is written when nothing changes."""
        endpoint = self.webhook_endpoint(endpoint_id, listed=listed, actor=actor)
        new_url, kinds = check_registration(
            endpoint.url if url is None else url,
            secret,
            endpoint.event_kinds if event_kinds is None else event_kinds,
        )
        new_kind = endpoint.kind if kind is None else kind.value
        same_secret = secret is None or (
            self.webhook_secrets.open(str(endpoint.id), endpoint.sealed_secret) == secret.encode()
        )
        if (new_url, kinds, new_kind) == (endpoint.url, endpoint.event_kinds, endpoint.kind) and (
            same_secret
        ):
            return Written(self.last_position(), endpoint.id)
        sealed = (
            endpoint.sealed_secret
            if secret is None or same_secret
            else self.webhook_secrets.seal(str(endpoint.id), secret)
        )
        endpoint.change(
            url=new_url, kind=new_kind, event_kinds=kinds, sealed_secret=sealed, actor=actor
        )
        return Written(
            self._store(endpoint, conflict="the endpoint was changed concurrently"), endpoint.id
        )

    def remove_webhook(
        self, endpoint_id: UUID, *, actor: Actor, listed: Endpoint | None = None
    ) -> Written:
        """Remove an endpoint: no delivery to it from now on (its record of deliveries stays)."""
        endpoint = self.webhook_endpoint(endpoint_id, listed=listed, actor=actor)
        endpoint.remove(actor=actor)
        return Written(
            self._store(endpoint, conflict="the endpoint was changed concurrently"), endpoint.id
        )
