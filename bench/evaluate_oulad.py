"""Offline evaluation of the recommender on real learning data (OULAD), written to
docs/evaluation.md.

Mapping: a student's enrolment in a course presentation is an employee (the presentation
plays the role); a VLE activity (``id_site``) is a module, with its activity type, planned
week and presentation as content features. Interactions are the clicks before the split.

Split by time, per presentation: training is everything first touched before 60 % of the
presentation's click-day range, the test is what each student first touched after it.
15 % of the students are held out entirely ("cold": no history at training time, like a
new hire); everyone else with history is "warm". Tuning (epochs only) uses a validation
split carved from training time (45 %..60 %); the test split is never looked at before
the final fit.

Models, in one run: popularity (global, and within the presentation, which is what
Skillpath falls back to per role), pure collaborative LightFM (identity features only) and
the hybrid (identity + content features, as in app/recommend).

    .venv/bin/python bench/evaluate_oulad.py [--data DIR] [--out docs/evaluation.md]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import math
import platform
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.recommend.evaluation import RankingMetrics, ranking_metrics, top_k
from app.recommend.model import FitParameters, new_lightfm
from app.recommend.vocabulary import IDENTITY_WEIGHT, Vocabulary

#: Presentations whose click logs the partial file holds (BBB 2013J cut during day 133).
PRESENTATIONS = {("AAA", "2013J"): None, ("AAA", "2014J"): None, ("BBB", "2013B"): None,
                 ("BBB", "2013J"): 133}  # fmt: skip
TEST_AT, VALIDATE_AT = 0.60, 0.45
COLD_SHARE = 0.15
K = 10
SEED = 20


def rows(path: Path) -> Iterator[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="") as handle:  # type: ignore[operator]
        yield from csv.DictReader(handle)


@dataclass
class Oulad:
    """Per (user, item): first day touched and clicks; features of users and items."""

    first_day: dict[tuple[str, str], int] = field(default_factory=dict)
    clicks: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    clicks_before: dict[tuple[tuple[str, str], int], int] = field(default_factory=dict)
    user_presentation: dict[str, str] = field(default_factory=dict)
    item_presentation: dict[str, str] = field(default_factory=dict)
    user_info: dict[str, dict[str, str]] = field(default_factory=dict)
    item_info: dict[str, dict[str, str]] = field(default_factory=dict)
    day_range: dict[str, tuple[int, int]] = field(default_factory=dict)


def load(folder: Path) -> Oulad:
    data = Oulad()
    days: dict[str, list[int]] = defaultdict(list)
    for row in rows(folder / "studentVle_partial.csv.gz"):
        key = (row["code_module"], row["code_presentation"])
        if key not in PRESENTATIONS:
            continue
        day = int(row["date"])
        cutoff = PRESENTATIONS[key]
        if cutoff is not None and day >= cutoff:
            continue
        presentation = "-".join(key)
        user = f"{presentation}/{row['id_student']}"
        item = row["id_site"]
        pair = (user, item)
        if pair not in data.first_day or day < data.first_day[pair]:
            data.first_day[pair] = day
        data.clicks[pair] += int(row["sum_click"])
        data.user_presentation[user] = presentation
        data.item_presentation[item] = presentation
        days[presentation].append(day)
    data.day_range = {p: (min(d), max(d)) for p, d in days.items()}
    for row in rows(folder / "studentInfo.csv.gz"):
        user = f"{row['code_module']}-{row['code_presentation']}/{row['id_student']}"
        if user in data.user_presentation:
            data.user_info[user] = row
    for row in rows(folder / "vle.csv"):
        if row["id_site"] in data.item_presentation:
            data.item_info[row["id_site"]] = row
    return data


def split_day(data: Oulad, presentation: str, share: float) -> float:
    low, high = data.day_range[presentation]
    return low + share * (high - low)


def credits_band(value: str) -> str:
    credits = int(value or 0)
    return "<=60" if credits <= 60 else "<=120" if credits <= 120 else ">120"


def user_bag(data: Oulad, user: str, identity: bool) -> dict[str, float]:
    """Role-like and profile features; gender, age band and disability are left out."""
    info = data.user_info.get(user, {})
    bag = {f"pres:{data.user_presentation[user]}": 1.0}
    if identity:
        bag[f"user:{user}"] = IDENTITY_WEIGHT
    for name in ("region", "highest_education", "imd_band"):
        if info.get(name):
            bag[f"{name}:{info[name]}"] = 0.3
    bag[f"credits:{credits_band(info.get('studied_credits', '0'))}"] = 0.3
    bag[f"prev:{min(int(info.get('num_of_prev_attempts', '0') or 0), 2)}"] = 0.3
    return bag


def item_bag(data: Oulad, item: str, identity: bool) -> dict[str, float]:
    info = data.item_info.get(item, {})
    bag = {f"pres:{data.item_presentation[item]}": 1.0}
    if identity:
        bag[f"site:{item}"] = IDENTITY_WEIGHT
    bag[f"activity:{info.get('activity_type', '?')}"] = 0.5
    bag[f"week:{info.get('week_from') or 'none'}"] = 0.3
    return bag


@dataclass
class Split:
    users: list[str]
    items: list[str]
    train: sp.coo_matrix
    weights: sp.coo_matrix
    seen: list[set[int]]
    relevant: list[set[int]]
    warm: np.ndarray
    cold: np.ndarray


def make_split(data: Oulad, train_share: float, test_share: float | None, cold: set[str]) -> Split:
    """Train on first touches before ``train_share``. Relevant for a warm user: first
    touched in [train_share, test_share) (or after, when ``test_share`` is None); for a cold
    user, who has no history at training time, everything they touched up to the end."""
    users = sorted(data.user_presentation)
    items = sorted(data.item_presentation)
    user_index = {u: i for i, u in enumerate(users)}
    item_index = {m: i for i, m in enumerate(items)}
    seen: list[set[int]] = [set() for _ in users]
    relevant: list[set[int]] = [set() for _ in users]
    r, c, w = [], [], []
    for (user, item), day in data.first_day.items():
        presentation = data.user_presentation[user]
        start = split_day(data, presentation, train_share)
        end = None if test_share is None else split_day(data, presentation, test_share)
        u, i = user_index[user], item_index[item]
        if user in cold:
            if end is None or day < end:
                relevant[u].add(i)
            continue
        if day < start:
            seen[u].add(i)
            r.append(u)
            c.append(i)
            w.append(1.0 + math.log1p(data.clicks[(user, item)]))
        elif end is None or day < end:
            relevant[u].add(i)
    shape = (len(users), len(items))
    train = sp.coo_matrix((np.ones(len(r), dtype=np.float32), (r, c)), shape=shape)
    weights = sp.coo_matrix((np.asarray(w, dtype=np.float32), (r, c)), shape=shape)
    has_history = np.array([bool(s) for s in seen])
    is_cold = np.array([u in cold for u in users])
    return Split(users, items, train, weights, seen, relevant,
                 np.flatnonzero(has_history & ~is_cold), np.flatnonzero(is_cold))  # fmt: skip


def features(data: Oulad, split: Split) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    warm = set(np.asarray(split.users)[split.warm])
    users, items = Vocabulary(), Vocabulary()
    u = users.matrix([user_bag(data, x, identity=x in warm) for x in split.users], grow=True)
    i = items.matrix([item_bag(data, x, identity=True) for x in split.items], grow=True)
    return u, i


def fit_scores(
    split: Split, params: FitParameters, user_features: sp.csr_matrix | None,
    item_features: sp.csr_matrix | None,
) -> np.ndarray:  # fmt: skip
    model = new_lightfm(params)
    model.fit(
        split.train, user_features=user_features, item_features=item_features,
        sample_weight=split.weights, epochs=params.epochs, num_threads=params.threads,
    )  # fmt: skip
    ub, ue = model.get_user_representations(user_features)
    ib, ie = model.get_item_representations(item_features)
    return np.asarray(ue @ ie.T + ib[None, :] + ub[:, None])


def popularity_scores(split: Split, data: Oulad, within: bool) -> np.ndarray:
    counts = np.asarray(split.train.tocsc().sum(axis=0)).ravel()
    scores = np.tile(counts, (len(split.users), 1)).astype(np.float64)
    if within:
        item_pres = np.array([data.item_presentation[m] for m in split.items])
        for u, user in enumerate(split.users):
            scores[u, item_pres != data.user_presentation[user]] = -1.0
    return scores


def measure(scores: np.ndarray, split: Split, group: np.ndarray) -> RankingMetrics:
    lists = top_k(scores[group], K, [split.seen[u] for u in group])
    return ranking_metrics(lists, [split.relevant[u] for u in group], K, len(split.items))


def tune_epochs(
    data: Oulad, cold: set[str], base: FitParameters, choices: tuple[int, ...]
) -> dict[str, int]:
    """Pick epochs per model on the validation split (warm NDCG@10 for CF, mean for hybrid)."""
    split = make_split(data, VALIDATE_AT, TEST_AT, cold)
    user_features, item_features = features(data, split)
    best: dict[str, tuple[float, int]] = {}
    for epochs in choices:
        params = FitParameters(**{**base.__dict__, "epochs": epochs})
        cf = measure(fit_scores(split, params, None, None), split, split.warm)
        hybrid_scores = fit_scores(split, params, user_features, item_features)
        hybrid = (measure(hybrid_scores, split, split.warm).ndcg
                  + measure(hybrid_scores, split, split.cold).ndcg) / 2  # fmt: skip
        for name, value in (("cf", cf.ndcg), ("hybrid", hybrid)):
            if name not in best or value > best[name][0]:
                best[name] = (value, epochs)
        print(f"  validation epochs={epochs}: cf ndcg {cf.ndcg:.4f}, hybrid ndcg {hybrid:.4f}")
    return {name: epochs for name, (_, epochs) in best.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parents[1]
    parser.add_argument("--data", default=str(root.parent / "shared" / "data" / "oulad"))
    parser.add_argument("--out", default=str(root / "docs" / "evaluation.md"))
    args = parser.parse_args()
    started = time.perf_counter()
    data = load(Path(args.data))
    students = sorted(data.user_presentation)
    cold = set(random.Random(SEED).sample(students, int(COLD_SHARE * len(students))))
    base = FitParameters(threads=2)
    loaded = time.perf_counter() - started
    print(f"loaded {len(students)} students, {len(data.item_presentation)} sites,"
          f" {len(data.first_day)} student-site pairs in {loaded:.1f}s")  # fmt: skip
    epochs = tune_epochs(data, cold, base, (10, 30, 60))
    split = make_split(data, TEST_AT, None, cold)
    user_features, item_features = features(data, split)
    results: dict[str, dict[str, RankingMetrics]] = {}
    models = {
        "popularity (global)": lambda: popularity_scores(split, data, within=False),
        "popularity (same presentation = role)": lambda: popularity_scores(split, data, True),
        "pure CF LightFM (no features)": lambda: fit_scores(
            split, FitParameters(**{**base.__dict__, "epochs": epochs["cf"]}), None, None),
        "hybrid LightFM (Skillpath)": lambda: fit_scores(
            split, FitParameters(**{**base.__dict__, "epochs": epochs["hybrid"]}),
            user_features, item_features),
    }  # fmt: skip
    for name, score in models.items():
        scores = score()
        results[name] = {"warm": measure(scores, split, split.warm),
                         "cold": measure(scores, split, split.cold)}  # fmt: skip
        print(f"  {name}: warm {results[name]['warm']}, cold {results[name]['cold']}")
    seconds = time.perf_counter() - started
    Path(args.out).write_text(report(data, split, results, epochs, base, seconds))
    print(f"wrote {args.out} in {seconds:.0f}s")
    return 0


ROLE_POPULARITY_NOTE = [
    "- Against global popularity (the usual baseline) both targets are met by far. Against",
    "  popularity *within the presentation* they are not: in OULAD the presentation decides",
    "  almost everything a student opens (the course's own sites, in the course's order), so",
    "  role popularity is a strong baseline here. Skillpath already falls back to exactly",
    "  that (popularity per role) when no model is trained.",
    "- Cold users: a new student's profile holds little beyond the presentation (region,",
    "  education, IMD band, credits say next to nothing about which site comes next), so the",
    "  hybrid's cold-start ranking reduces to within-presentation popularity. Against global",
    "  popularity and pure CF, which has nothing to go on for a user it never saw, it is far",
    "  ahead.",
]
WARM_NOTE = [
    "- Warm users: the hybrid is below pure CF in this run. The content features are coarse",
    "  (82 % of sites have no planned week, 20 activity types), so they pull sites of the same",
    "  type together and blur what each student's own history pins down; the identity weight",
    "  (3, chosen on validation) narrows the gap. LightFM's two-thread training is not",
    "  deterministic (Hogwild updates), and hybrid and pure CF stay within a few per cent of",
    "  each other on warm users from run to run.",
]
CLOSING_NOTE = [
    "- No tuning touched the test split; the figures are what one run of the command gives",
    "  (two-thread LightFM training varies by a few per cent between runs).",
]


def report(
    data: Oulad, split: Split, results: dict[str, dict[str, RankingMetrics]],
    epochs: dict[str, int], base: FitParameters, seconds: float,
) -> str:  # fmt: skip
    lines = [
        "# Recommender evaluation on real learning data (OULAD)",
        "",
        "Command (2 cores, about a minute or two):",
        "",
        "    .venv/bin/python bench/evaluate_oulad.py",
        "",
        "Data: the Open University Learning Analytics Dataset (Kuzilek, Hlosta & Zdrahal,",
        "*Scientific Data* 4, 170171 (2017), CC BY 4.0), from `../shared/data/oulad`. Only",
        "the presentations whose click logs the partial `studentVle` file holds are used:",
        "AAA 2013J, AAA 2014J, BBB 2013B and BBB 2013J (cut at day 133 where the file ends);",
        "no further sampling.",
        "",
        "## Set-up",
        "",
        f"- Employees = students per presentation ({len(split.users)}); modules = VLE sites"
        f" ({len(split.items)}); {len(data.first_day)} student-site pairs.",
        "- The presentation plays the employee's role; profile features are region, highest"
        " education, IMD band, studied credits and previous attempts. Gender, age band and"
        " disability are not features. Module features: presentation, activity type,"
        " planned week.",
        f"- Time split per presentation at {TEST_AT:.0%} of its click-day range: train on what"
        " was first touched before, relevant = what each student first touched after (items"
        " already touched are never counted or recommended).",
        f"- Cold users: {len(split.cold)} students ({COLD_SHARE:.0%}, seeded) held out of"
        " training entirely, like new hires; relevant for them is every site they touched"
        f" (to the end of the log). Warm users: the {len(split.warm)} others with history."
        " The users column counts those with anything relevant, the ones metrics average over.",
        f"- Tuning: epochs only, chosen on a validation split carved from training time"
        f" ({VALIDATE_AT:.0%}..{TEST_AT:.0%}): pure CF {epochs['cf']}, hybrid"
        f" {epochs['hybrid']}. The identity-feature weight ({IDENTITY_WEIGHT:g}) was chosen"
        " on the same validation split and is Skillpath's default; everything else is too"
        f" (WARP, {base.components} components, learning rate {base.learning_rate}).",
        "",
        "## Results (@10)",
        "",
        "| model | users | precision | recall | NDCG | coverage |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for group in ("warm", "cold"):
        for name, by_group in results.items():
            m = by_group[group]
            lines.append(
                f"| {name} | {group} ({m.users}) | {m.precision:.4f} | {m.recall:.4f} |"
                f" {m.ndcg:.4f} | {m.coverage:.3f} |"
            )
    hybrid = results["hybrid LightFM (Skillpath)"]
    cf = results["pure CF LightFM (no features)"]
    lines += ["", "## Against the targets (NDCG@10 and precision@10)", ""]
    for baseline in ("popularity (global)", "popularity (same presentation = role)"):
        for group, target in (("warm", 1.2), ("cold", 1.5)):
            ours, theirs = hybrid[group], results[baseline][group]
            ratio_n = ours.ndcg / theirs.ndcg if theirs.ndcg else math.inf
            ratio_p = ours.precision / theirs.precision if theirs.precision else math.inf
            verdict = "met" if min(ratio_n, ratio_p) >= target else "NOT met"
            lines.append(
                f"- hybrid vs {baseline}, {group}: NDCG x{ratio_n:.2f}, precision x{ratio_p:.2f}"
                f" (target x{target}): {verdict}"
            )
    ratio = hybrid["warm"].ndcg / cf["warm"].ndcg if cf["warm"].ndcg else math.inf
    lines.append(
        f"- hybrid vs pure CF, warm: NDCG x{ratio:.2f} (target: not below, x1.0):"
        f" {'met' if ratio >= 1.0 else 'NOT met'}"
    )
    missed = [line for line in lines if line.endswith("NOT met")]
    if missed:
        lines += ["", "## Where it falls short, and why", ""]
        if any("same presentation" in line for line in missed):
            lines += ROLE_POPULARITY_NOTE
        if any("pure CF" in line for line in missed):
            lines += WARM_NOTE
    lines += ["", *CLOSING_NOTE]
    lines += [
        "",
        f"Run: {seconds:.0f} s on {platform.machine()} / Python {platform.python_version()}"
        " (2 cores, 24 GiB; the machine was shared with other work).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
