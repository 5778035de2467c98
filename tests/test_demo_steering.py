"""The demo company as HR first sees it: a pilot programme with a cohort, ROI lines, and
recommendations whose acceptance is a figure, not 0 / 0."""

from __future__ import annotations

from datetime import timedelta

from app.bootstrap import build_services
from app.kpis.windows import Window, last_days
from app.programmes.roi import programme_roi
from app.seed import DemoSpec, seed_demo
from app.settings import Settings
from tests.test_seed import UNTIL

SPEC = DemoSpec(employees=120, modules=40, seed=11, months=6, until=UNTIL)


def test_the_demo_fills_pilot_comparison_roi_and_recommendation_acceptance() -> None:
    services = build_services(Settings(persistence="memory", seed_if_empty=False),
                              start_projections=False)  # fmt: skip
    try:
        seed_demo(services.app, SPEC)
        services.runner.catch_up()
        book = services.programmes
        [programme_id] = book.programme_ids()
        programme = book.programme(programme_id)
        assert len(programme.cohort) == 15 and programme.current_phase is not None
        today = UNTIL.date()
        comparison = book.compare(programme_id, last_days(90, today))
        completion = next(k for k in comparison.kpis if k.kpi == "completion_rate")
        assert comparison.cohort_size == 15 and comparison.comparison_size > 50
        assert completion.cohort is not None and completion.comparison is not None
        roi = programme_roi(services.gateway, programme_id, today - timedelta(days=200), today)
        assert roi.lines
        window = Window(today - timedelta(days=180), today, "demo")
        report = services.kpis.report(window)
        acceptance = report.groups[0].figures.recommendation_acceptance
        assert acceptance.value is not None and 0.1 < acceptance.value < 0.9
    finally:
        services.close()
