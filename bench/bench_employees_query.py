"""`employees(first: 50)` through Skillpath's API beside two references serving the same rows.

One process, one database, one HTTP harness, three endpoints on one Starlette app:

- ``/graphql``: Skillpath's own API (``create_app``), the role of each employee resolved by
  the per-request dataloader (one batched query);
- ``/plain``: a plain Starlette endpoint (a sync function, so Starlette runs it in its thread
  pool) reading the same page and the same roles from the same read model, returned as JSON;
- ``/stock``: a stock strawberry schema (``strawberry.Schema`` without extensions, caches or
  dataloaders) with straightforward resolvers: the page from the read model, then each
  employee's ``role`` read by its own query.

The directory is seeded through the real commands and projections (``--employees`` hires in
``--roles`` roles). Each endpoint is called ``--count`` times per round, the endpoints take
turns for ``--rounds`` rounds (so a burst of load from elsewhere hits all of them), and the
median round is reported. The harness posts straight into the ASGI app (``--harness asgi``)
or goes through httpx's ASGI transport (``--harness httpx``).

Run: ``.venv/bin/python -m bench.bench_employees_query``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL

from app.bootstrap import Services, build_services
from app.main import create_app
from bench.harness import (
    AsgiClient,
    build_organisation,
    engine_settings,
    http_client,
    operator_headers,
    post_graphql,
    print_machine,
)

QUERY = """
query Employees {
  employees(first: 50) {
    edges { node { id name email department role { title } } }
  }
}
"""
PAGE = 50


# -- the stock strawberry schema ----------------------------------------------------------------


@strawberry.type
class StockRole:
    id: strawberry.ID
    title: str


@strawberry.type
class StockEmployee:
    id: strawberry.ID
    name: str
    email: str
    department: str
    role_id: strawberry.Private[str]

    @strawberry.field
    def role(self, info: strawberry.Info) -> StockRole | None:
        found = info.context["services"].roles.get(self.role_id)
        return None if found is None else StockRole(id=strawberry.ID(found.id), title=found.title)


@strawberry.type
class StockEmployeeEdge:
    cursor: str
    node: StockEmployee


@strawberry.type
class StockEmployeeConnection:
    edges: list[StockEmployeeEdge]


@strawberry.type
class StockQuery:
    @strawberry.field
    def employees(self, info: strawberry.Info, first: int = 20) -> StockEmployeeConnection:
        page = info.context["services"].directory.page(first=first, after=None)
        return StockEmployeeConnection(
            edges=[
                StockEmployeeEdge(
                    cursor=str(row.seq),
                    node=StockEmployee(
                        id=strawberry.ID(row.id),
                        name=row.name,
                        email=row.email,
                        department=row.department,
                        role_id=row.role_id,
                    ),
                )
                for row in page.items
            ]
        )


class StockGraphQL(GraphQL[dict[str, Any], None]):
    def __init__(self, services: Services) -> None:
        super().__init__(strawberry.Schema(query=StockQuery), graphql_ide=None)
        self.services = services

    async def get_context(self, request: Any, response: Any = None) -> dict[str, Any]:
        return {"services": self.services, "request": request, "response": response}


# -- the plain endpoint -----------------------------------------------------------------------


def plain_endpoint(services: Services) -> Callable[[Request], JSONResponse]:
    def employees(_: Request) -> JSONResponse:
        page = services.directory.page(first=PAGE, after=None)
        roles = services.roles.get_many(sorted({row.role_id for row in page.items}))
        return JSONResponse(
            {
                "employees": [
                    {
                        "id": row.id,
                        "name": row.name,
                        "email": row.email,
                        "department": row.department,
                        "role": {"title": roles[row.role_id].title}
                        if row.role_id in roles
                        else None,
                    }
                    for row in page.items
                ]
            }
        )

    return employees


# -- the run ----------------------------------------------------------------------------------


def bench_app(services: Services) -> Starlette:
    """Skillpath's app with the two reference endpoints added beside ``/graphql``."""
    app = create_app(services.settings, services)
    app.router.routes.extend(
        [
            Route("/plain", plain_endpoint(services), methods=["POST"]),
            Route("/stock", StockGraphQL(services), methods=["POST"]),
        ]
    )
    return app


Call = Callable[[], Awaitable[list[dict[str, Any]]]]


def endpoints(post: Callable[[str, str | None], Awaitable[dict[str, Any]]]) -> dict[str, Call]:
    """How each endpoint is called, each returning the employees it served as flat rows."""

    def graphql_rows(body: dict[str, Any]) -> list[dict[str, Any]]:
        return [edge["node"] for edge in body["data"]["employees"]["edges"]]

    async def ours() -> list[dict[str, Any]]:
        return graphql_rows(await post("/graphql", QUERY))

    async def stock() -> list[dict[str, Any]]:
        return graphql_rows(await post("/stock", QUERY))

    async def plain() -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = (await post("/plain", None))["employees"]
        return rows

    return {"plain starlette JSON": plain, "stock strawberry": stock, "Skillpath API": ours}


async def measure(
    services: Services, harness: str, count: int, rounds: int
) -> dict[str, list[float]]:
    app = bench_app(services)
    # Every endpoint gets the operator's token; only Skillpath's API checks it (its cost).
    headers = operator_headers(services)
    asgi = AsgiClient(app, headers=headers)
    async with http_client(app, headers) as http:

        async def post(path: str, query: str | None) -> dict[str, Any]:
            """GraphQL when a query is given, else an empty JSON body (the plain endpoint)."""
            if harness == "httpx":
                if query is None:
                    body: dict[str, Any] = (await http.post(path, json={})).json()
                    return body
                return await post_graphql(http, path, query)
            if query is None:
                return await asgi.post_json_body(path, {})
            return await asgi.graphql(path, query)

        calls = endpoints(post)
        served = {name: await call() for name, call in calls.items()}
        reference = served["plain starlette JSON"]
        for name, rows in served.items():
            if rows != reference or len(rows) != PAGE:
                raise RuntimeError(f"{name} served other rows than the plain endpoint")
        for call in calls.values():  # warm up: caches, pools, first-request costs
            for _ in range(max(20, count // 10)):
                await call()
        rates: dict[str, list[float]] = {name: [] for name in calls}
        for _ in range(rounds):
            for name, call in calls.items():
                started = time.perf_counter()
                for _ in range(count):
                    await call()
                rates[name].append(count / (time.perf_counter() - started))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=500)
    parser.add_argument("--roles", type=int, default=12)
    parser.add_argument("--count", type=int, default=300, help="queries per endpoint and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--engines", nargs="+", choices=("sqlite", "postgres"), default=["sqlite"])
    parser.add_argument("--harness", choices=("asgi", "httpx"), default="asgi")
    args = parser.parse_args()
    print_machine()
    print(
        f"employees(first: {PAGE}) with role {{ title }}: {args.employees} employees,"
        f" {args.roles} roles; {args.rounds} rounds of {args.count} queries per endpoint;"
        f" harness: {args.harness}"
    )
    print(f"{'engine':9} {'endpoint':22} {'queries/s':>10} {'min':>7} {'max':>7} {'÷ stock':>8}")
    for engine in args.engines:
        with engine_settings(engine) as settings:
            services = build_services(settings, start_projections=False)
            try:
                build_organisation(
                    services.app, roles=args.roles, employees=args.employees, modules=0
                )
                services.runner.catch_up()
                rates = asyncio.run(measure(services, args.harness, args.count, args.rounds))
            finally:
                services.close()
        stock = statistics.median(rates["stock strawberry"])
        for name, values in rates.items():
            rate = statistics.median(values)
            print(
                f"{engine:9} {name:22} {rate:10.0f} {min(values):7.0f} {max(values):7.0f}"
                f" {rate / stock:8.2f}"
            )


if __name__ == "__main__":
    main()
