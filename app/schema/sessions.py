"""Open WebSocket connections of people: closed once the person leaves or is erased.

A token is checked when the connection opens; a connection can stay open for hours. Every
``SKILLPATH_SESSION_CHECK_SECONDS`` the standing of each connected employee is read again
(one query per connected person), and the connection of anyone who is no longer active is
closed with code 4403, ending their subscriptions. An erasure made in this process closes
the connection at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from uuid import UUID

from starlette.websockets import WebSocket, WebSocketState

from app.access import PERSONAL_ROLES
from app.bootstrap import Services
from app.schema.context import read_model
from app.subjects import Standing

log = logging.getLogger("skillpath.sessions")

#: Close code for a connection whose person may no longer act (4xxx: application codes).
NO_LONGER_ACTIVE = 4403


class Sessions:
    """Watches the WebSocket connections of employees and managers."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._open: dict[int, tuple[str, WebSocket]] = {}
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing: set[asyncio.Future[None]] = set()
        services.app.erased.append(self._erased)

    @property
    def watched(self) -> int:
        return len(self._open)

    def opened(self, context: Any) -> None:
        """Watch this connection if it acts for a person."""
        socket = context.request
        actor = context.actor
        if actor.role not in PERSONAL_ROLES or not isinstance(socket, WebSocket):
            return
        self._open[id(socket)] = (actor.id, socket)
        if self._task is None or self._task.done():
            self._loop = asyncio.get_running_loop()
            self._task = asyncio.create_task(self._watch(), name="skillpath-sessions")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def check(self) -> int:
        """Close the connections of people who may no longer act (one query for all of
        them); returns how many were closed."""
        for key, (_, socket) in list(self._open.items()):
            if socket.client_state is WebSocketState.DISCONNECTED:
                self._open.pop(key, None)
        people = {person for person, _ in self._open.values()}
        standings = await read_model(self._services, self._services.subjects.standings, people)
        closed = 0
        for key, (person, socket) in list(self._open.items()):
            standing = standings.get(person, Standing.UNKNOWN)
            if standing is not Standing.ACTIVE:
                await self._close(key, person, socket, standing.value)
                closed += 1
        return closed

    async def _close(self, key: int, person: str, socket: WebSocket, why: str) -> None:
        self._open.pop(key, None)
        log.info("closed the connection of %s: %s", person, why)
        with contextlib.suppress(Exception):
            await socket.close(NO_LONGER_ACTIVE, f"the employee is {why}")

    async def _watch(self) -> None:
        every = self._services.settings.session_check_seconds
        while self._open:
            await asyncio.sleep(every)
            try:
                await self.check()
            except Exception:  # a failed check is retried next time; connections stay
                log.exception("checking open connections failed")

    def _erased(self, employee_id: UUID) -> None:
        # Called by the command, possibly in a worker thread: close on the loop.
        loop = self._loop
        person = str(employee_id)
        if loop is None or not any(p == person for p, _ in self._open.values()):
            return

        def close_now() -> None:
            for key, (found, socket) in list(self._open.items()):
                if found == person:
                    task = asyncio.ensure_future(self._close(key, person, socket, "erased"))
                    self._closing.add(task)
                    task.add_done_callback(self._closing.discard)

        loop.call_soon_threadsafe(close_now)
