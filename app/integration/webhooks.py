"""Webhook endpoints and their deliveries: registration (checked), what an event looks like
on the wire, its signature, and the record of every attempt.

An endpoint's position is the last event-log position it has had (delivered, or skipped as
not wanted); it moves only after the receiver answered 2xx, so delivery is at least once and
in log order per endpoint, and a restart resumes from it. A delivery's id is derived from
the endpoint and the position, so a receiver recognises a repeat.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from uuid import UUID, uuid5

from app.access.webhooks import EndpointKind, may_send_personal
from app.aggregates import ValidationFailed
from app.consent.cipher import Sealer
from app.consent.envelope import personal_fields
from app.persistence import SqlGateway

if TYPE_CHECKING:
    from app.projections.paging import Key, Page

WEBHOOK_DDL = (
    "CREATE TABLE IF NOT EXISTS {webhook_endpoints} ("
    " id TEXT PRIMARY KEY, url TEXT NOT NULL, kind TEXT NOT NULL, event_kinds TEXT NOT NULL,"
    " sealed_secret TEXT NOT NULL, position BIGINT NOT NULL, failures INTEGER NOT NULL,"
    " next_attempt_at TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {webhook_deliveries} ("
    " delivery_id TEXT NOT NULL, attempt INTEGER NOT NULL, endpoint_id TEXT NOT NULL,"
    " position BIGINT NOT NULL, event_type TEXT NOT NULL, status TEXT NOT NULL,"
    " http_status INTEGER, error TEXT, attempted_at TEXT NOT NULL, lag_ms DOUBLE PRECISION,"
    " PRIMARY KEY (delivery_id, attempt))",
    "CREATE INDEX IF NOT EXISTS webhook_deliveries_endpoint"
    " ON {webhook_deliveries} (endpoint_id, position)",
)
#: The order and keyset of an endpoint's delivery attempts: the event, then the attempt.
DELIVERY_KEY = ("position", "attempt")
DELIVERY_NAMESPACE = UUID("9a0e55c2-0f7e-4f43-a4c1-3b8f2d6e1c57")
SIGNATURE_HEADER = "X-Skillpath-Signature"
DELIVERY_HEADER = "X-Skillpath-Delivery"
POSITION_HEADER = "X-Skillpath-Position"
EVENT_HEADER = "X-Skillpath-Event"
_NOT_DATA = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})
_KIND = re.compile(r"^[A-Z][A-Za-z]*\.(\*|[A-Z][A-Za-z]*)$")
AGGREGATES = (
    "Employee", "EmailClaim", "LearningModule", "Enrollment", "Role", "ConsentLedger",
    "RecommendationDecision", "Programme", "XapiStatement", "ActivityMapping",
)  # fmt: skip


@dataclass(frozen=True)
class Endpoint:
    id: str
    url: str
    kind: EndpointKind
    event_kinds: tuple[str, ...]
    secret: bytes
    position: int
    failures: int
    next_attempt_at: datetime | None

    def wants(self, event_type: str) -> bool:
        aggregate = event_type.split(".", 1)[0]
        return event_type in self.event_kinds or f"{aggregate}.*" in self.event_kinds


@dataclass(frozen=True)
class Delivery:
    """One attempt to deliver one event to one endpoint."""

    delivery_id: str
    attempt: int
    endpoint_id: str
    position: int
    event_type: str
    status: str
    http_status: int | None
    error: str | None
    attempted_at: datetime
    lag_ms: float | None


def check_registration(
    url: str, secret: str | None, event_kinds: list[str]
) -> tuple[str, list[str]]:
    """The URL and event kinds as kept; ``ValidationFailed`` naming the field otherwise
    (``secret`` None: the secret is not being set)."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed("url", "must be an http:// or https:// URL with a host")
    if len(url) > 2_000 or any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ValidationFailed("url", "must be at most 2000 characters, without spaces")
    if secret is not None and not 16 <= len(secret) <= 200:
        raise ValidationFailed("secret", "must be 16 to 200 characters long")
    kinds: list[str] = []
    for kind in event_kinds:
        kind = kind.strip()
        if not _KIND.match(kind) or kind.split(".")[0] not in AGGREGATES:
            raise ValidationFailed(
                "eventKinds",
                f"{kind!r} is not an event kind such as Enrollment.Completed or Employee.*",
            )
        if kind not in kinds:
            kinds.append(kind)
    if not kinds:
        raise ValidationFailed("eventKinds", "must name at least one event kind")
    return url, kinds


def signature(secret: bytes, body: bytes) -> str:
    """The value of the signature header: ``sha256=`` and the HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def delivery_id(endpoint_id: str, position: int) -> str:
    return str(uuid5(DELIVERY_NAMESPACE, f"{endpoint_id}/{position}"))


def _plain(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return {k: _plain(v) for k, v in vars(value).items() if not k.startswith("_")}
    return value


def event_body(endpoint: Endpoint, position: int, event: Any) -> dict[str, Any]:
    """What the endpoint receives of one event (personal fields only where its kind may)."""
    event_type = type_name(event)
    sealed = personal_fields(type(event))
    fields = {}
    for name, value in vars(event).items():
        if name in _NOT_DATA or name.startswith("_"):
            continue
        if name in sealed and not may_send_personal(endpoint.kind, event_type, name):
            continue
        fields[_camel(name)] = _plain(value)
    return {
        "deliveryId": delivery_id(endpoint.id, position),
        "position": position,
        "type": event_type,
        "aggregateId": str(event.originator_id),
        "version": event.originator_version,
        "occurredAt": event.timestamp.isoformat(),
        "data": fields,
    }


def type_name(event: Any) -> str:
    qualname = type(event).__qualname__
    return qualname if "." in qualname else f"{type(event).__module__}.{qualname}"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class WebhookSecrets:
    """Seals and opens endpoint secrets, each bound to its endpoint's id. The key is a
    secret the master-key rotation keeps (``WEBHOOK_SECRETS`` in app/keystore.py), so
    secrets sealed in events before a rotation open after it."""

    def __init__(self, key: bytes) -> None:
        self._sealer = Sealer(key)

    def seal(self, endpoint_id: str, secret: str) -> str:
        sealed = self._sealer.seal(secret.encode(), f"webhook/{endpoint_id}".encode())
        return base64.b64encode(sealed).decode()

    def open(self, endpoint_id: str, sealed: str) -> bytes:
        return self._sealer.open(base64.b64decode(sealed), f"webhook/{endpoint_id}".encode())


class WebhookStore:
    """Endpoints (as their events left them, app/projections/webhook_endpoints.py), where
    each stands in the log, and the record of deliveries, in the read-model database."""

    def __init__(self, gateway: SqlGateway, secrets: WebhookSecrets) -> None:
        self.gateway = gateway
        self.secrets = secrets
        with gateway.transaction(write=True) as tx:
            for statement in WEBHOOK_DDL:
                tx.execute(statement)

    def _endpoint(self, row: dict[str, Any]) -> Endpoint:
        secret = self.secrets.open(row["id"], row["sealed_secret"])
        at = row["next_attempt_at"]
        return Endpoint(
            id=row["id"], url=row["url"], kind=EndpointKind(row["kind"]),
            event_kinds=tuple(json.loads(row["event_kinds"])), secret=secret,
            position=int(row["position"]), failures=int(row["failures"]),
            next_attempt_at=None if at is None else datetime.fromisoformat(at),
        )  # fmt: skip

    def endpoints(self) -> list[Endpoint]:
        with self.gateway.transaction(write=False) as tx:
            rows = tx.rows("SELECT * FROM {webhook_endpoints} ORDER BY created_at, id")
        return [self._endpoint(row) for row in rows]

    def endpoint(self, endpoint_id: str) -> Endpoint | None:
        with self.gateway.transaction(write=False) as tx:
            row = tx.row("SELECT * FROM {webhook_endpoints} WHERE id = %s", (endpoint_id,))
        return None if row is None else self._endpoint(row)

    def advance(self, endpoint_id: str, position: int, delivered: Delivery | None) -> None:
        """The endpoint has had everything up to ``position`` (the last one ``delivered``)."""
        with self.gateway.transaction(write=True) as tx:
            if delivered is not None:
                self._record(tx, delivered)
            tx.execute(
                "UPDATE {webhook_endpoints} SET position = %s, failures = 0,"
                " next_attempt_at = NULL WHERE id = %s AND position < %s",
                (position, endpoint_id, position),
            )

    def failed(self, attempt: Delivery, next_attempt_at: datetime) -> None:
        with self.gateway.transaction(write=True) as tx:
            self._record(tx, attempt)
            tx.execute(
                "UPDATE {webhook_endpoints} SET failures = failures + 1, next_attempt_at = %s"
                " WHERE id = %s",
                (next_attempt_at.isoformat(), attempt.endpoint_id),
            )

    @staticmethod
    def _record(tx: Any, d: Delivery) -> None:
        tx.execute(
            "INSERT INTO {webhook_deliveries} (delivery_id, attempt, endpoint_id, position,"
            " event_type, status, http_status, error, attempted_at, lag_ms)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (delivery_id, attempt) DO NOTHING",
            (d.delivery_id, d.attempt, d.endpoint_id, d.position, d.event_type, d.status,
             d.http_status, d.error, d.attempted_at.isoformat(), d.lag_ms),
        )  # fmt: skip

    def deliveries(
        self, endpoint_id: str, *, first: int = 20, failed_only: bool = False
    ) -> list[Delivery]:
        """The newest attempts first."""
        status = " AND status = 'failed'" if failed_only else ""
        with self.gateway.transaction(write=False) as tx:
            rows = tx.rows(
                "SELECT * FROM {webhook_deliveries} WHERE endpoint_id = %s" + status
                + " ORDER BY position DESC, attempt DESC LIMIT %s",
                (endpoint_id, first),
            )  # fmt: skip
        return [_delivery(r) for r in rows]

    def delivery_page(
        self, endpoint_id: str, *, first: int, after: Key | None = None, last: int | None = None,
        before: Key | None = None, failed_only: bool = False,
    ) -> Page[Delivery]:  # fmt: skip
        """A keyset page of the endpoint's attempts in the order they were made, keyed by
        ``DELIVERY_KEY`` (``last`` pages back from the newest)."""
        # Imported here: app.projections imports this module's DDL.
        from app.projections.paging import page_query

        return page_query(
            self.gateway, "webhook_deliveries",
            {"endpoint_id = %s": endpoint_id, "status = %s": "failed" if failed_only else None},
            first, after, _delivery, last=last, before=before, key=DELIVERY_KEY,
        )  # fmt: skip

    def attempts_for(self, delivery: str) -> int:
        with self.gateway.transaction(write=False) as tx:
            found = tx.scalar(
                "SELECT COUNT(*) FROM {webhook_deliveries} WHERE delivery_id = %s", (delivery,)
            )
        return int(found or 0)


def _delivery(r: dict[str, Any]) -> Delivery:
    return Delivery(
        delivery_id=r["delivery_id"], attempt=int(r["attempt"]),
        endpoint_id=r["endpoint_id"], position=int(r["position"]),
        event_type=r["event_type"], status=r["status"], http_status=r["http_status"],
        error=r["error"], attempted_at=datetime.fromisoformat(r["attempted_at"]),
        lag_ms=r["lag_ms"],
    )  # fmt: skip
