"""Finding the employee an xAPI ``mbox_sha1sum`` names (the SHA-1 of a mailto: address)."""

from __future__ import annotations

import hashlib
import threading
import time
from uuid import UUID

from app.persistence import SqlGateway


class MboxSha1Index:
    """Employees by the SHA-1 of their ``mailto:`` address, from the directory read model;
    read again at most every ``refresh_seconds`` when an address is not found."""

    def __init__(self, gateway: SqlGateway, refresh_seconds: float = 30.0) -> None:
        self.gateway = gateway
        self.refresh_seconds = refresh_seconds
        self._index: dict[str, UUID] = {}
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def find(self, sha1: str) -> UUID | None:
        found = self._index.get(sha1)
        if found is not None or time.monotonic() - self._read_at < self.refresh_seconds:
            return found
        with self._lock:
            with self.gateway.transaction(write=False) as tx:
                rows = tx.rows("SELECT id, email FROM {employees}")
            self._index = {
                hashlib.sha1(f"mailto:{row['email'].lower()}".encode()).hexdigest(): UUID(row["id"])
                for row in rows
            }
            self._read_at = time.monotonic()
        return self._index.get(sha1)
