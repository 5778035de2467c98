"""OULAD as Skillpath sees it: click events, time splits, and what counts as relevant.

A student's enrolment in a course presentation is an employee (the presentation is the
cohort, like a role or team); a VLE site is a module. Every split is by time, per
presentation (each is cut at the same share of its own click-day range):

- training: the clicks of non-held-out students before the cut, and nothing else (their
  strength is the clicks *before the cut*, never the whole log);
- warm users (non-held-out, with history): relevant = sites first opened at or after the
  cut and before the end of the window, never one already opened;
- cold users (15 %, drawn per seed, held out of every training like new hires): relevant
  = the sites they opened in the window, whatever they did before it, which no model saw.

Validation splits end where the test split begins, so nothing after the test cut is read
while choosing anything.
"""

from __future__ import annotations

import csv
import gzip
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from app.recommend.evaluation import SealedLabels
from app.recommend.signals import PairHistory
from app.recommend.vocabulary import IDENTITY_WEIGHT, Bag, Vocabulary

#: Presentations whose click logs the partial file holds (BBB 2013J cut during day 133).
PRESENTATIONS = {
    ("AAA", "2013J"): None,
    ("AAA", "2014J"): None,
    ("BBB", "2013B"): None,
    ("BBB", "2013J"): 133,
}
COLD_SHARE = 0.15


def rows(path: Path) -> Iterator[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="") as handle:  # type: ignore[operator]
        yield from csv.DictReader(handle)


@dataclass(frozen=True)
class Oulad:
    """Click events (one row per student, site and day) with indices and features."""

    users: list[str]
    items: list[str]
    presentations: list[str]
    event_user: np.ndarray
    event_item: np.ndarray
    event_day: np.ndarray
    event_clicks: np.ndarray
    user_cohort: np.ndarray
    item_cohort: np.ndarray
    user_info: dict[str, dict[str, str]]
    item_info: dict[str, dict[str, str]]
    day_range: np.ndarray

    @property
    def pairs(self) -> int:
        return len(np.unique(self.event_user * len(self.items) + self.event_item))

    def cut(self, share: float) -> np.ndarray:
        """The day each presentation is cut at ``share`` of its click-day range."""
        low, high = self.day_range[:, 0], self.day_range[:, 1]
        result: np.ndarray = low + share * (high - low)
        return result

    def cold_users(self, seed: int) -> np.ndarray:
        """The held-out students for one seed, as a boolean mask."""
        chosen = random.Random(seed).sample(
            range(len(self.users)), int(COLD_SHARE * len(self.users))
        )
        mask = np.zeros(len(self.users), dtype=bool)
        mask[chosen] = True
        return mask


def load(folder: Path) -> Oulad:
    users: dict[str, int] = {}
    items: dict[str, int] = {}
    presentations = sorted("-".join(key) for key in PRESENTATIONS)
    cohort_of = {p: i for i, p in enumerate(presentations)}
    columns: tuple[list[int], list[int], list[int], list[int]] = ([], [], [], [])
    user_cohort: dict[int, int] = {}
    item_cohort: dict[int, int] = {}
    for row in rows(folder / "studentVle_partial.csv.gz"):
        key = (row["code_module"], row["code_presentation"])
        if key not in PRESENTATIONS:
            continue
        day = int(row["date"])
        cutoff = PRESENTATIONS[key]
        if cutoff is not None and day >= cutoff:
            continue
        presentation = "-".join(key)
        u = users.setdefault(f"{presentation}/{row['id_student']}", len(users))
        i = items.setdefault(row["id_site"], len(items))
        user_cohort[u] = item_cohort[i] = cohort_of[presentation]
        for column, value in zip(columns, (u, i, day, int(row["sum_click"])), strict=True):
            column.append(value)
    event_user, event_item, event_day, event_clicks = (np.asarray(c) for c in columns)
    user_cohorts = np.asarray([user_cohort[u] for u in range(len(users))])
    day_range = np.asarray(
        [
            [
                event_day[user_cohorts[event_user] == c].min(),
                event_day[user_cohorts[event_user] == c].max(),
            ]
            for c in range(len(presentations))
        ],
        dtype=np.float64,
    )
    user_info = {}
    for row in rows(folder / "studentInfo.csv.gz"):
        user = f"{row['code_module']}-{row['code_presentation']}/{row['id_student']}"
        if user in users:
            user_info[user] = row
    item_info = {row["id_site"]: row for row in rows(folder / "vle.csv") if row["id_site"] in items}
    return Oulad(
        users=list(users),
        items=list(items),
        presentations=presentations,
        event_user=event_user,
        event_item=event_item,
        event_day=event_day,
        event_clicks=event_clicks,
        user_cohort=user_cohorts,
        item_cohort=np.asarray([item_cohort[i] for i in range(len(items))]),
        user_info=user_info,
        item_info=item_info,
        day_range=day_range,
    )


@dataclass
class Split:
    """One time split: training history, who is warm or cold, and the relevant items."""

    name: str
    now: np.ndarray
    history: PairHistory
    #: Training click events (for the event-counting baselines): user, item, day, clicks.
    events: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    seen: list[set[int]]
    warm: np.ndarray
    cold: np.ndarray
    labels: list[set[int]] | SealedLabels

    def relevant(self) -> list[set[int]]:
        """Validation labels; a test split's are sealed and must be opened once instead."""
        if isinstance(self.labels, SealedLabels):
            raise RuntimeError(f"{self.name}: test labels are sealed; open them once")
        return self.labels

    @property
    def n_users(self) -> int:
        return self.history.n_users

    @property
    def n_items(self) -> int:
        return self.history.n_items

    def interactions(self) -> sp.csr_matrix:
        """Students x sites, 1 per training pair."""
        return self.history.matrix(np.ones(len(self.history)))

    def click_weights(self) -> sp.csr_matrix:
        """Students x sites, 1 + log(1 + clicks before the cut): the classic confidence."""
        return self.history.matrix(1.0 + np.log1p(self.history.strength))


def make_split(data: Oulad, start: float, end: float | None, cold: np.ndarray, name: str) -> Split:
    """Train before ``start``; relevant in [start, end) (to the end of the log if None)."""
    cut = data.cut(start)[data.user_cohort]
    stop = np.full(len(data.users), np.inf) if end is None else data.cut(end)[data.user_cohort]
    day_cut = cut[data.event_user]
    before = (data.event_day < day_cut) & ~cold[data.event_user]
    n_users, n_items = len(data.users), len(data.items)
    history = PairHistory.from_events(
        data.event_user[before],
        data.event_item[before],
        data.event_day[before].astype(float),
        data.event_clicks[before].astype(float),
        n_users,
        n_items,
    )
    seen: list[set[int]] = [set() for _ in range(n_users)]
    for u, i in zip(history.users.tolist(), history.items.tolist(), strict=True):
        seen[u].add(i)
    window = (data.event_day >= day_cut) & (data.event_day < stop[data.event_user])
    relevant: list[set[int]] = [set() for _ in range(n_users)]
    for u, i in zip(
        data.event_user[window].tolist(), data.event_item[window].tolist(), strict=True
    ):
        if cold[u] or i not in seen[u]:
            relevant[u].add(i)
    has_history = np.asarray([bool(s) for s in seen])
    events = tuple(
        a[before] for a in (data.event_user, data.event_item, data.event_day, data.event_clicks)
    )
    return Split(
        name=name,
        now=cut,
        history=history,
        events=events,  # type: ignore[arg-type]
        seen=seen,
        warm=np.flatnonzero(has_history & ~cold),
        cold=np.flatnonzero(cold),
        labels=SealedLabels(relevant) if end is None else relevant,
    )


# -- content features (as the product's hybrid uses them) ----------------------------------


def credits_band(value: str) -> str:
    credits = int(value or 0)
    return "<=60" if credits <= 60 else "<=120" if credits <= 120 else ">120"


def user_bag(data: Oulad, user: int, identity: bool) -> Bag:
    """The presentation (the cohort) and profile features; gender, age band and disability
    are left out."""
    info = data.user_info.get(data.users[user], {})
    bag = {f"pres:{data.presentations[data.user_cohort[user]]}": 1.0}
    if identity:
        bag[f"user:{data.users[user]}"] = IDENTITY_WEIGHT
    for name in ("region", "highest_education", "imd_band"):
        if info.get(name):
            bag[f"{name}:{info[name]}"] = 0.3
    bag[f"credits:{credits_band(info.get('studied_credits', '0'))}"] = 0.3
    bag[f"prev:{min(int(info.get('num_of_prev_attempts', '0') or 0), 2)}"] = 0.3
    return bag


def item_bag(data: Oulad, item: int) -> Bag:
    info = data.item_info.get(data.items[item], {})
    return {
        f"site:{data.items[item]}": IDENTITY_WEIGHT,
        f"pres:{data.presentations[data.item_cohort[item]]}": 1.0,
        f"activity:{info.get('activity_type', '?')}": 0.5,
        f"week:{info.get('week_from') or 'none'}": 0.3,
    }


def feature_matrices(
    data: Oulad, split: Split, extra_item_bags: list[Bag] | None = None
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """User and item feature matrices; only warm users get an identity feature (a cold
    user's identity column would never have been trained)."""
    warm = set(split.warm.tolist())
    users, items = Vocabulary(), Vocabulary()
    user_matrix = users.matrix(
        [user_bag(data, u, identity=u in warm) for u in range(split.n_users)], grow=True
    )
    bags = [item_bag(data, i) for i in range(split.n_items)]
    if extra_item_bags is not None:
        bags = [{**bag, **extra} for bag, extra in zip(bags, extra_item_bags, strict=True)]
    return user_matrix, items.matrix(bags, grow=True)
