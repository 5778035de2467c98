"""The KPIs by name, as every layer spells them (figures, history, targets)."""

from __future__ import annotations

KPI_NAMES = (
    "completion_rate", "drop_off_minutes", "time_to_productivity_days", "enps",
    "internal_hiring_share", "adoption", "recommendation_acceptance",
    "learning_hours_per_employee", "average_rating", "feedback_sentiment", "roi_percent",
)  # fmt: skip
#: KPIs where a lower value is better: a target "at most", a change below zero.
LOWER_IS_BETTER = frozenset({"drop_off_minutes", "time_to_productivity_days"})
