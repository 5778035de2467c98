"""One GraphQL execution per push for identical live subscriptions, instead of one per socket.

graphql-core executes a subscription's selection set once per subscriber and event; with
hundreds of dashboards watching the same KPIs that execution, not the computation of the
figures, dominates the time to push. Subscriptions to ``kpiUpdated`` and
``moduleInsightsUpdated`` with the same document and variables, by callers in the same
access scope (what the policy lets them see, not who they are: every reader of aggregate
figures sees the same ones), therefore share one result stream per process: it runs once,
and every joined socket sends its newest result.
A slow socket skips results it could not send in time (it always gets the newest), and the
semantics of a single subscription (errors, completion) are those of the shared stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from functools import lru_cache
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse

log = logging.getLogger(__name__)

#: Root fields whose results depend only on their arguments and the caller's rights.
SHAREABLE_FIELDS = frozenset({"kpiUpdated", "moduleInsightsUpdated"})
_DONE = object()


@lru_cache(maxsize=256)
def shareable(query: str, operation_name: str | None) -> str | None:
    """The root field when the document's operation subscribes to one shareable field only."""
    try:
        document = parse(query)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and
              o.name.value == operation_name)]  # fmt: skip
    if len(chosen) != 1 or chosen[0].operation != OperationType.SUBSCRIPTION:
        return None
    fields = chosen[0].selection_set.selections
    if len(fields) != 1 or getattr(fields[0], "name", None) is None:
        return None
    name: str = fields[0].name.value  # type: ignore[attr-defined]
    return name if name in SHAREABLE_FIELDS else None


def share_key(query: str, variables: Any, operation_name: str | None, scope: Hashable) -> Any:
    """The key of the shared stream: document, variables and the callers' access scope."""
    return (query, json.dumps(variables or {}, sort_keys=True, default=str), operation_name, scope)


class SharedStream:
    """A result stream run once; joined readers get its newest result, then each new one."""

    def __init__(self, open_source: Callable[[], Awaitable[AsyncIterator[Any]]]) -> None:
        self._open_source = open_source
        # A fresh event per result: setting it wakes every reader in one loop iteration
        # (a Condition would hand its lock from reader to reader, one iteration each).
        self._updated = asyncio.Event()
        self.latest: Any = None
        self.version = 0
        self.finished = False
        self.readers = 0
        self.task: asyncio.Task[None] = asyncio.create_task(self._run(), name="shared stream")

    async def _run(self) -> None:
        try:
            source = await self._open_source()
            async with contextlib.aclosing(source):  # type: ignore[type-var]
                async for result in source:
                    self.latest, self.version = result, self.version + 1
                    self._announce()
        except Exception:
            log.exception("shared subscription stream failed")
        finally:
            self.finished = True
            self._announce()

    def _announce(self) -> None:
        updated, self._updated = self._updated, asyncio.Event()
        updated.set()

    async def results(self) -> AsyncIterator[Any]:
        seen = 0
        while True:
            if self.version > seen:
                value, seen = self.latest, self.version
                yield value
            elif self.finished:
                return
            else:
                await self._updated.wait()


class SharedStreams:
    """The shared streams of one process, keyed by document, variables and caller."""

    def __init__(self) -> None:
        self._streams: dict[Any, SharedStream] = {}

    def __len__(self) -> int:
        return len(self._streams)

    @contextlib.asynccontextmanager
    async def join(
        self, key: Any, open_source: Callable[[], Awaitable[AsyncIterator[Any]]]
    ) -> AsyncIterator[AsyncIterator[Any]]:
        stream = self._streams.get(key)
        if stream is None or stream.finished:
            stream = SharedStream(open_source)
            self._streams[key] = stream
        stream.readers += 1
        try:
            yield stream.results()
        finally:
            stream.readers -= 1
            if stream.readers == 0:
                if self._streams.get(key) is stream:
                    del self._streams[key]
                stream.task.cancel()
