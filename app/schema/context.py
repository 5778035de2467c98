"""The per-request context: the caller, the services, and batching loaders."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from app.aggregates import Actor
from app.bootstrap import Services
from app.projections.catalogue import ModuleRow
from app.projections.directory import EmployeeRow, SkillRow
from app.projections.enrollments import EnrollmentCounts, EnrollmentRow
from app.projections.roles import RoleRow

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")


def _loader(
    services_call: Callable[[list[K]], dict[K, V]], default: Callable[[], V] | None = None
) -> DataLoader[K, V | None]:
    async def load(keys: Sequence[K]) -> list[V | None]:
        found = await run_in_threadpool(services_call, list(keys))
        return [found.get(k, default() if default else None) for k in keys]

    return DataLoader(load_fn=load)


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
            employees=_loader(services.directory.get_many),
            modules=_loader(services.catalogue.get_many),
            roles=_loader(services.roles.get_many),
            skills=_loader(services.directory.skills_of, list),
            enrollments_of_employee=_loader(services.enrollments.of_employees, list),
            module_counts=_loader(services.enrollments.counts_for_modules, EnrollmentCounts),
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

    def __post_init__(self) -> None:
        self.loaders = Loaders.for_services(self.services)

    async def run(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking service code (database I/O) off the event loop."""
        return await run_in_threadpool(call, *args, **kwargs)


SkillpathInfo = Info[Context, None]
