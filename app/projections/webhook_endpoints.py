"""The webhook endpoints deliveries follow, as their events left them.

The table also holds where each endpoint stands in the log and its failures, which the
delivery worker writes (app/integration/webhooks.py); so this projection owns no table a
replay would drop: a replay re-applies the events over the rows, keeping each endpoint's
position, and an endpoint removed stays removed.
"""

from __future__ import annotations

import json

from app.aggregates.webhook import WebhookEndpoint
from app.integration.webhooks import WEBHOOK_DDL
from app.persistence import Transaction
from app.projections.engine import Projection, handles


class WebhookEndpointProjection(Projection):
    name = "webhook_endpoints"
    tables = ()
    ddl = WEBHOOK_DDL

    @handles(WebhookEndpoint.Registered)
    def registered(self, e: WebhookEndpoint.Registered, tx: Transaction) -> None:
        tx.execute(
            "INSERT INTO {webhook_endpoints} (id, url, kind, event_kinds, sealed_secret,"
            " position, failures, next_attempt_at, created_at, created_by)"
            " VALUES (%s, %s, %s, %s, %s, %s, 0, NULL, %s, %s)"
            " ON CONFLICT (id) DO UPDATE SET url = excluded.url, kind = excluded.kind,"
            " event_kinds = excluded.event_kinds, sealed_secret = excluded.sealed_secret",
            (str(e.originator_id), e.url, e.kind, json.dumps(e.event_kinds), e.sealed_secret,
             e.start_position, e.timestamp.isoformat(), f"{e.actor.role}:{e.actor.id}"),
        )  # fmt: skip

    @handles(WebhookEndpoint.Changed)
    def changed(self, e: WebhookEndpoint.Changed, tx: Transaction) -> None:
        tx.execute(
            "UPDATE {webhook_endpoints} SET url = %s, kind = %s, event_kinds = %s,"
            " sealed_secret = %s WHERE id = %s",
            (e.url, e.kind, json.dumps(e.event_kinds), e.sealed_secret, str(e.originator_id)),
        )

    @handles(WebhookEndpoint.Removed)
    def removed(self, e: WebhookEndpoint.Removed, tx: Transaction) -> None:
        tx.execute("DELETE FROM {webhook_endpoints} WHERE id = %s", (str(e.originator_id),))
