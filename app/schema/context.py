"""The per-request context: the caller, the services, and batching loaders."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from app.access import Viewer
from app.aggregates import Actor
from app.bootstrap import Services
from app.projections.catalogue import ModuleRow
from app.projections.directory import EmployeeRow, SkillRow
from app.projections.enrollments import EnrollmentCounts, EnrollmentRow
from app.projections.roles import RoleRow
from app.schema.guard import AccessScope

#: How long a WebSocket connection trusts what it read of people (a consent withdrawn
#: meanwhile takes effect for its next push after this).
SOCKET_FACTS_SECONDS = 1.0

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")
R = TypeVar("R")


#: True while an operation executes in a worker thread of its own (app/schema/offload.py):
#: blocking calls then run right there, since no other request waits on that thread's loop.
OFF_THE_LOOP: ContextVar[bool] = ContextVar("off_the_loop", default=False)


async def read_model(services: Services, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a read-model query: at once where reads never wait (SQLite on its own read
    connections; a thread-pool hop would cost more than the read), else in the thread pool."""
    if services.gateway.reads_never_wait or OFF_THE_LOOP.get():
        return call(*args, **kwargs)
    return await run_in_threadpool(call, *args, **kwargs)


def _loader(
    services: Services,
    services_call: Callable[[list[K]], dict[K, V]],
    default: Callable[[], V] | None = None,
) -> DataLoader[K, V | None]:
    async def load(keys: Sequence[K]) -> list[V | None]:
        found = await read_model(services, services_call, list(keys))
        return [found.get(k, default() if default else None) for k in keys]

    return DataLoader(load_fn=load)


def from_loader(loader: DataLoader[K, V], key: K, convert: Callable[[V], R]) -> R | Awaitable[R]:
    """The converted row at once when this request has it already (primed or loaded), else an
    awaitable: a field resolved for every row of a page then costs no task and no await."""
    future = loader.cache_map.get(key)
    if (
        future is not None
        and future.done()
        and not future.cancelled()
        and future.exception() is None
    ):
        return convert(future.result())

    async def later() -> R:
        return convert(await loader.load(key))

    return later()


@dataclass
class Loaders:
    """One batch query per kind of row and request, instead of one query per field."""

    employees: DataLoader[str, EmployeeRow | None]
    modules: DataLoader[str, ModuleRow | None]
    roles: DataLoader[str, RoleRow | None]
    skills: DataLoader[str, list[SkillRow] | None]
    enrollments_of_employee: DataLoader[str, list[EnrollmentRow] | None]
    module_counts: DataLoader[str, EnrollmentCounts | None]

    @classmethod
    def for_services(cls, services: Services) -> Loaders:
        return cls(
            employees=_loader(services, services.directory.get_many),
            modules=_loader(services, services.catalogue.get_many),
            roles=_loader(services, services.roles.get_many),
            skills=_loader(services, services.directory.skills_of, list),
            enrollments_of_employee=_loader(services, services.enrollments.of_employees, list),
            module_counts=_loader(
                services, services.enrollments.counts_for_modules, EnrollmentCounts
            ),
        )


@dataclass
class Context:
    """What every resolver may use; built fresh for each request."""

    services: Services
    actor: Actor
    request: Request | WebSocket | None = None
    response: Any = None
    #: A WebSocket's connection_init payload (graphql-transport-ws), e.g. a bearer token.
    connection_params: dict[str, Any] = field(default_factory=dict)
    loaders: Loaders = field(init=False)
    _access: AccessScope | None = field(init=False, default=None)
    _access_of: Actor | None = field(init=False, default=None)
    _access_at: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.loaders = Loaders.for_services(self.services)

    def release(self) -> None:
        """Let go of what one HTTP operation loaded: the loaders' futures and the access
        scope refer back to their owners, a cycle only the garbage collector would free,
        with every row it holds. A WebSocket's context lives on (its own staleness rules)."""
        if isinstance(self.request, WebSocket):
            return
        for loader in vars(self.loaders).values():
            loader.cache_map.clear()
            loader.batch = None
        self._access = None
        self._access_of = None

    @property
    def access(self) -> AccessScope:
        """What the access policy lets this caller see of each person (app/schema/guard.py);
        a WebSocket learns its caller only at connection_init, so this follows ``actor``, and
        lives for hours, so what it learned of people is read again after a second."""
        stale = (
            isinstance(self.request, WebSocket)
            and time.monotonic() - self._access_at > SOCKET_FACTS_SECONDS
        )
        if self._access is None or self._access_of is not self.actor or stale:
            viewer = Viewer(self.actor.id, self.actor.role)
            self._access = AccessScope(viewer, self.services.subjects, self.read)
            self._access_of = self.actor
            self._access_at = time.monotonic()
        return self._access

    async def run(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking service code (database I/O) off the event loop."""
        if OFF_THE_LOOP.get():
            return call(*args, **kwargs)
        return await run_in_threadpool(call, *args, **kwargs)

    async def read(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a short read-model query (see ``read_model``)."""
        return await read_model(self.services, call, *args, **kwargs)


SkillpathInfo = Info[Context, None]
