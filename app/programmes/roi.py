"""A programme's ROI over time: costs and benefits per line and month, cumulative ROI, and
the month it broke even. Amounts are what HR recorded; ROI % is (benefit - cost) / cost x 100
of everything recorded up to the end of each month."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from app.kpis import figures as f
from app.persistence import SqlGateway
from app.projections.kpi_trends import Period, periods


@dataclass(frozen=True)
class RoiLine:
    kind: str  # cost or benefit
    category: str
    amount: float


@dataclass(frozen=True)
class RoiPoint:
    period: Period
    cost: float
    benefit: float
    cumulative_cost: float
    cumulative_benefit: float
    #: Cumulative ROI % up to the end of the period; ``None`` before any cost.
    roi_percent: float | None


@dataclass(frozen=True)
class ProgrammeRoi:
    programme_id: str
    lines: list[RoiLine]
    total_cost: float
    total_benefit: float
    roi_percent: float | None
    points: list[RoiPoint]
    break_even: Period | None


def programme_roi(gateway: SqlGateway, programme_id: str, start: date, end: date) -> ProgrammeRoi:
    with gateway.transaction(write=False) as tx:
        rows = tx.rows(
            "SELECT kind, category, day, amount FROM {kpi_programme_lines}"
            " WHERE programme_id = %s AND day <= %s ORDER BY day, version",
            (programme_id, end.isoformat()),
        )
    lines: dict[tuple[str, str], float] = defaultdict(float)
    by_month: dict[tuple[str, str], float] = defaultdict(float)
    before = {"cost": 0.0, "benefit": 0.0}
    for r in rows:
        amount = float(r["amount"])
        lines[(r["kind"], r["category"])] += amount
        if r["day"] < start.replace(day=1).isoformat():
            before[r["kind"]] += amount
        else:
            by_month[(r["kind"], r["day"][:7])] += amount
    cost, benefit, points, break_even = before["cost"], before["benefit"], [], None
    for period in periods("month", start, end):
        spent, gained = by_month[("cost", period.key)], by_month[("benefit", period.key)]
        cost, benefit = cost + spent, benefit + gained
        roi = f.roi_percent(benefit, cost).value
        points.append(RoiPoint(period, round(spent, 2), round(gained, 2), round(cost, 2),
                               round(benefit, 2), roi))  # fmt: skip
        if break_even is None and cost > 0 and benefit >= cost:
            break_even = period
    total_cost = sum(v for (k, _), v in lines.items() if k == "cost")
    total_benefit = sum(v for (k, _), v in lines.items() if k == "benefit")
    return ProgrammeRoi(
        programme_id,
        [RoiLine(k, c, round(v, 2)) for (k, c), v in sorted(lines.items())],
        round(total_cost, 2), round(total_benefit, 2),
        f.roi_percent(total_benefit, total_cost).value, points, break_even,
    )  # fmt: skip
