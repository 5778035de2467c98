"""Health that tells the truth: /livez answers without I/O, /readyz fails (503) when a read
model lags past the threshold or Redis is away in production, /metrics is Prometheus text
with latency per operation, errors by code and lag per read model, and a masked internal
error names the request it happened in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import httpx
import pytest
from graphql import GraphQLError
from prometheus_client.parser import text_string_to_metric_families

from app.bootstrap import build_services
from app.main import create_app
from app.observability.logs import REQUEST_ID
from app.schema.masking import MaskInternalErrors
from app.settings import Settings
from tests.conftest import auth_headers
from tests.domain_support import Organisation

BASE = Settings(persistence="memory", seed_if_empty=False)


@pytest.fixture
async def probe() -> AsyncIterator[Callable[..., Any]]:
    opened: list[Any] = []

    async def open_with(settings: Settings, *, caught_up: bool = True) -> httpx.AsyncClient:
        services = build_services(settings, start_projections=False)
        Organisation(services.app)
        if caught_up:
            services.runner.catch_up()
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(settings, services)),
            base_url="http://t", headers=auth_headers(services),
        )  # fmt: skip
        opened.append((services, http))
        return http

    yield open_with
    for services, http in opened:
        await http.aclose()
        services.close()


async def test_a_caught_up_process_is_live_and_ready(probe: Any) -> None:
    http = await probe(BASE)
    assert (await http.get("/livez")).json() == {"status": "ok"}
    ready = await http.get("/readyz")
    assert ready.status_code == 200
    checks = ready.json()["checks"]
    assert all(check["ok"] for check in checks.values()), checks
    assert set(checks) == {"eventStore", "readModels", "model"}


async def test_readiness_fails_while_a_read_model_lags_past_the_threshold(probe: Any) -> None:
    http = await probe(replace(BASE, ready_max_lag_events=1), caught_up=False)
    ready = await http.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["readModels"]["lagging"]
    assert (await http.get("/healthz")).status_code == 503
    assert (await http.get("/livez")).status_code == 200


async def test_readiness_fails_when_redis_is_unreachable_in_production(probe: Any) -> None:
    http = await probe(replace(BASE, broadcast="redis", redis_url="redis://127.0.0.1:9/0"))
    ready = await http.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["redis"]["ok"] is False


async def test_metrics_have_latency_per_operation_errors_by_code_and_lag_per_read_model(
    probe: Any,
) -> None:
    http = await probe(replace(BASE, max_query_cost=10))
    await http.post("/graphql", json={"query": "{ employees(first: 2) { totalCount } }"})
    wide = "{ employees(first: 50) { edges { node { id } } } }"
    await http.post("/graphql", json={"query": wide})
    text = (await http.get("/metrics")).text
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text) for s in family.samples
    }  # fmt: skip
    assert samples[("skillpath_graphql_operation_seconds_count",
                    (("operation", "Query.employees"),))] == 2  # fmt: skip
    assert samples[("skillpath_errors_total", (("code", "QUERY_TOO_COSTLY"),))] == 1
    lags = {labels: v for (name, labels), v in samples.items()
            if name == "skillpath_projection_lag_events"}  # fmt: skip
    assert (("read_model", "employee_directory"),) in lags and set(lags.values()) == {0}
    assert ("skillpath_open_subscriptions", ()) in samples
    assert samples[("skillpath_push_lag_events", ())] == 0
    assert any(name == "skillpath_http_request_seconds_count" for name, _ in samples)


def test_a_masked_internal_error_names_the_request_it_happened_in() -> None:
    token = REQUEST_ID.set("req-0123456789")
    try:
        masked = MaskInternalErrors().anonymise_error(
            GraphQLError("boom", original_error=RuntimeError("boom"))
        )
    finally:
        REQUEST_ID.reset(token)
    assert "req-0123456789" in masked.message
    assert masked.extensions is not None and masked.extensions["requestId"] == "req-0123456789"


async def test_tracing_is_off_by_default_and_gives_spans_per_operation_when_on() -> None:
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from app.schema import build_schema

    assert Settings.from_env({}).tracing is False
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    trace.set_tracer_provider(provider)
    result = await build_schema(tracing=True).execute("{ __typename }")
    assert result.errors is None
    assert "GraphQL Query" in [span.name for span in spans.get_finished_spans()]


def test_push_lag_counts_what_the_read_models_reached_and_this_worker_was_not_told() -> None:
    from app.observability.metrics import read_model_figures

    services = build_services(BASE, start_projections=False)
    try:
        Organisation(services.app)
        services.runner.catch_up()
        head = services.app.last_position()

        def lag() -> float:
            families = {f.name: f for f in read_model_figures(services, lambda: 0)}
            return families["skillpath_push_lag_events"].samples[0].value

        assert lag() == 0  # nothing delivered yet: no subscriber here was promised anything
        services.live.broadcaster._deliver(2)
        assert lag() == head - 2
        services.live.broadcaster._deliver(head)
        assert lag() == 0
    finally:
        services.close()
