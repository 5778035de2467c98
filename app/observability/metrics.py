"""Metrics a Prometheus server scrapes from /metrics (prometheus_client).

Each app has its own registry (no global state): request latency per HTTP route and per
GraphQL root field, errors by code, and, read when scraped, the lag and failures of every
read model (from the tables every process shares), open subscriptions, the model version
being served and the retraining outcomes of this process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The instruments of one app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_seconds = Histogram(
            "skillpath_http_request_seconds", "HTTP request latency by route and status.",
            ["route", "status"], registry=self.registry, buckets=_BUCKETS,
        )  # fmt: skip
        self.operation_seconds = Histogram(
            "skillpath_graphql_operation_seconds",
            "GraphQL operation latency by its (first) root field, e.g. Query.employees.",
            ["operation"], registry=self.registry, buckets=_BUCKETS,
        )  # fmt: skip
        self.errors = Counter(
            "skillpath_errors_total", "Errors answered, by code (GraphQL or HTTP edge).",
            ["code"], registry=self.registry,
        )  # fmt: skip
        self.retrains = Counter(
            "skillpath_retrain_total", "Retraining attempts of this process, by outcome.",
            ["outcome"], registry=self.registry,
        )  # fmt: skip

    def watch(self, collect: Callable[[], Iterator[Metric]]) -> None:
        """Add figures computed when scraped."""
        self.registry.register(_Computed(collect))


class _Computed(Collector):
    def __init__(self, collect: Callable[[], Iterator[Metric]]) -> None:
        self._collect = collect

    def collect(self) -> Iterator[Metric]:
        yield from self._collect()

    def describe(self) -> list[Any]:
        return []


def read_model_figures(services: Any, open_subscriptions: Callable[[], int]) -> Iterator[Metric]:
    """Lag and failures per read model, subscriptions and model version, as of now."""
    head = services.app.last_position()
    lag = GaugeMetricFamily(
        "skillpath_projection_lag_events", "Events stored but not yet in the read model.",
        labels=["read_model"],
    )  # fmt: skip
    for name, position in sorted(services.runner.positions().items()):
        lag.add_metric([name], max(0, head - position))
    yield lag
    failing = GaugeMetricFamily(
        "skillpath_projection_failed_position",
        "The position of the event a read model cannot apply (absent when none fails).",
        labels=["read_model"],
    )
    for failure in services.runner.failures():
        failing.add_metric([failure.name], failure.position)
    yield failing
    yield GaugeMetricFamily("skillpath_event_store_position", "The newest event's position.",
                            value=head)  # fmt: skip
    # Pushes trail the read models by what the broadcaster has not delivered here yet (0
    # until the first delivery: a worker without subscribers is told nothing).
    reached = min(services.runner.positions().values(), default=0)
    pushed = services.live.broadcaster.last_position
    yield GaugeMetricFamily(
        "skillpath_push_lag_events",
        "Read-model positions committed but not yet delivered to this worker's subscribers.",
        value=max(0, reached - pushed) if pushed else 0,
    )
    yield GaugeMetricFamily("skillpath_open_subscriptions", "Open GraphQL WebSocket sessions.",
                            value=open_subscriptions())  # fmt: skip
    model = GaugeMetricFamily(
        "skillpath_model_info",
        "The recommender model version served (1), if any.",
        labels=["version"],
    )
    active = services.recommender.active
    if active is not None:
        model.add_metric([active.metadata.version], 1)
    yield model
