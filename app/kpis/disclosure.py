"""Which cells of a KPI report to hide so that no group smaller than k can be worked out.

Hiding each group and figure that rests on fewer than k people (primary suppression) is not
enough: subtracting what is shown from a larger report that is also shown reveals what was
hidden. Two rules close that:

- **within a report**, the people hidden from a figure (the report's whole population minus
  the groups still shown) must be none or at least k; while they are 1..k-1, the smallest
  shown group is hidden too (complementary suppression);
- **across reports**, a group of a filtered report is hidden when the same group without
  one or more of the filters differs from it by 1..k-1 people, since that wider report can
  be asked for as well.

Counts are people, as each figure reports them. For groupings that split people into
disjoint groups (company, department, team, role) and for filters this is exact; module
groups share learners, so there only the rule across reports and figure-level sums apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from app.access import too_few_to_show


@dataclass(frozen=True)
class Cells:
    """One group of a report as computed, before anything is hidden."""

    key: str
    size: int | None
    #: People each figure rests on; ``None`` for figures about no one (ROI).
    people: Mapping[str, int | None]


@dataclass
class Hidden:
    groups: set[str] = field(default_factory=set)
    figures: set[tuple[str, str]] = field(default_factory=set)


def _differs_by_few(wider: int | None, narrower: int | None, k: int) -> bool:
    return wider is not None and narrower is not None and too_few_to_show(wider - narrower, k)


def to_hide(
    groups: Sequence[Cells],
    whole: Cells,
    wider: Sequence[Sequence[Cells]],
    k: int,
    *,
    disjoint: bool,
) -> Hidden:
    """Groups and (group, figure) cells to hide; ``whole`` is the report's population as one
    group, ``wider`` the same grouping under each coarser filter."""
    hidden = Hidden(
        groups={g.key for g in groups if not g.size or too_few_to_show(g.size, k)},
        figures={(g.key, n) for g in groups for n, p in g.people.items()
                 if too_few_to_show(p, k)},
    )  # fmt: skip
    for report in wider:
        same = {cells.key: cells for cells in report}
        for g in groups:
            other = same.get(g.key)
            if other is None:
                continue
            if _differs_by_few(other.size, g.size, k):
                hidden.groups.add(g.key)
            for name, people in g.people.items():
                if _differs_by_few(other.people.get(name), people, k):
                    hidden.figures.add((g.key, name))
    while _hide_one_more(groups, whole, hidden, k, disjoint=disjoint):
        pass
    return hidden


def _hide_one_more(
    groups: Sequence[Cells], whole: Cells, hidden: Hidden, k: int, *, disjoint: bool
) -> bool:
    """Hide the smallest shown group or cell that keeps 1..k-1 people recoverable."""
    shown = [g for g in groups if g.key not in hidden.groups]
    if disjoint and len(groups) > 1 and shown:
        rest = (whole.size or 0) - sum(g.size or 0 for g in shown)
        if too_few_to_show(rest, k):
            hidden.groups.add(min(shown, key=lambda g: (g.size or 0, g.key)).key)
            return True
    if len(groups) < 2 and groups and groups[0].key == whole.key:
        return False
    for name, total in whole.people.items():
        cells = [
            g for g in shown
            if (g.key, name) not in hidden.figures and (g.people.get(name) or 0) > 0
        ]  # fmt: skip
        if total is None or not cells:
            continue
        rest = total - sum(g.people.get(name) or 0 for g in cells)
        if too_few_to_show(rest, k):
            smallest = min(cells, key=lambda g: (g.people.get(name) or 0, g.key))
            hidden.figures.add((smallest.key, name))
            return True
    return False
