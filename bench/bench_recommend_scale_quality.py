"""Ranking quality at scale: the product's epoch cap against the same data without it.

50,000 employees x 10,000 modules x 2,000,000 interactions of synthetic read-model rows with
the structure that matters to a recommender:

- roles: 70 % of a person's modules teach one of their role's three skills;
- cohorts and recency: every module is published on some day of the last 400, and people
  start it in the weeks after (an exponential delay, 20 days on average), so what the role
  has been starting lately predicts what comes next;
- sequence: within a skill, people take the lower levels first (a week per level), so what
  someone started lately says what they start next (the transitions signal).

Both fits are measured the way the product chooses its settings (app/recommend/pipeline.py):
the newest 20 % of first touches are held out, LightFM is fitted on what came before, and
NDCG@10 is measured on the held-out first touches (a sample of 2,000 people) for the LightFM
score alone and for the product's blend (weights chosen on the same split). "Capped" is what
training does at this size: 5 epochs (``FitParameters.max_updates`` / interactions, never
below 5); "uncapped" fits the same model measured at 5, 10, 20 and 30 epochs and keeps the
best. The whole product training (``train_version``, capped) is timed as well.

    nice .venv/bin/python bench/bench_recommend_scale_quality.py [--employees N ...]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.bootstrap import Services, build_services
from app.recommend.model import FitParameters
from app.recommend.pipeline import PipelineSettings, _history, _validate
from app.recommend.training import collect_training_data, train_version
from bench.bench_recommend_training import CHUNK, MEDIA, ROLES, SKILLS
from bench.harness import engine_settings, print_machine

DAYS = 400
UNCAPPED_CHECKPOINTS = (5, 10, 20, 30)


def write_structured(services: Services, employees: int, modules: int, pairs: int) -> None:
    """Role-shaped, time-structured synthetic rows in the recommender's read models."""
    rng = np.random.default_rng(11)
    now = datetime.now(UTC)
    role_ids = [str(uuid.uuid4()) for _ in range(ROLES)]
    role_skills = [rng.choice(SKILLS, 3, replace=False) for _ in range(ROLES)]
    module_skill = rng.integers(0, SKILLS, modules)
    module_level = 1 + rng.integers(0, 5, modules)
    published = rng.uniform(0, DAYS, modules)
    module_ids = [str(uuid.uuid4()) for _ in range(modules)]
    employee_ids = [str(uuid.uuid4()) for _ in range(employees)]
    employee_role = rng.integers(0, ROLES, employees)
    with services.gateway.transaction(write=True) as tx:
        tx.executemany(
            "INSERT INTO {role_requirements} (role_id, title, required_skills) VALUES (%s, %s, %s)",
            [(r, f"Role {i}", json.dumps([{"skill": f"s{s}", "level": 3, "importance": 3}
                                          for s in role_skills[i]]))
             for i, r in enumerate(role_ids)],
        )  # fmt: skip
        tx.executemany(
            "INSERT INTO {module_features} (module_id, seq, title, skills, topics, difficulty,"
            " media_type, minutes, language, prerequisite_ids, retired)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'en', '[]', 0)",
            [(m, i + 1, f"Module {i}", json.dumps({f"s{module_skill[i]}": int(module_level[i])}),
              json.dumps([f"topic{module_skill[i] % 10}"]), int(module_level[i]), MEDIA[i % 6],
              int(10 + i % 90)) for i, m in enumerate(module_ids)],
        )  # fmt: skip
        tx.executemany(
            "INSERT INTO {employee_features} (employee_id, role_id, department, years_experience,"
            " skills, media_types, weekly_minutes, goals, language, active)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, '[]', 'en', 1)",
            [(e, role_ids[employee_role[i]], f"Dept {i % 12}", int(i % 25),
              json.dumps({f"s{role_skills[employee_role[i]][0]}": int(i % 4)}),
              json.dumps([MEDIA[i % 6]]), int(30 + i % 90)) for i, e in enumerate(employee_ids)],
        )  # fmt: skip
        tx.executemany(
            "INSERT INTO {consents} (employee_id, purpose, policy_version, granted_at)"
            " VALUES (%s, 'personalisation', '1', %s)",
            [(e, now.isoformat()) for i, e in enumerate(employee_ids) if i % 10],
        )
    draws = int(pairs * 1.6)
    users = rng.integers(0, employees, draws)
    by_skill = np.argsort(module_skill, kind="stable")
    starts = np.searchsorted(module_skill[by_skill], np.arange(SKILLS))
    sizes = np.bincount(module_skill, minlength=SKILLS)
    wanted = np.asarray(role_skills)[employee_role[users], rng.integers(0, 3, draws)]
    offset = (rng.random(draws) * np.maximum(sizes[wanted], 1)).astype(np.int64)
    affine = (rng.random(draws) < 0.7) & (sizes[wanted] > 0)
    picked = np.where(
        affine,
        by_skill[np.minimum(starts[wanted] + offset, modules - 1)],
        rng.integers(0, modules, draws),
    )
    # Started after publication, a week later per level; only what happened by now.
    day = published[picked] + rng.exponential(20.0, draws) + 7.0 * (module_level[picked] - 1)
    keep = day < DAYS
    keys, first = np.unique(users[keep] * modules + picked[keep], return_index=True)
    days = day[keep][first]
    chosen = rng.permutation(len(keys))[:pairs]
    keys, days = keys[chosen], days[chosen]
    statuses = ("completed", "active", "dropped")
    rows = []
    for n, (key, started) in enumerate(zip(keys.tolist(), days.tolist(), strict=True)):
        first_at = now - timedelta(days=DAYS - started)
        last_at = min(first_at + timedelta(days=float(n % 7)), now)
        status = statuses[n % 3]
        rows.append((str(uuid.uuid4()), employee_ids[key // modules], module_ids[key % modules],
                     status, 100 if status == "completed" else int(n % 90), 1,
                     int(n % 60) if status == "dropped" else None,
                     int(1 + n % 5) if n % 4 == 0 else None, first_at.isoformat(),
                     last_at.isoformat(), last_at.isoformat()))  # fmt: skip
        if len(rows) == CHUNK or n == len(keys) - 1:
            with services.gateway.transaction(write=True) as tx:
                tx.executemany(
                    "INSERT INTO {interactions} (enrollment_id, employee_id, module_id, status,"
                    " percent, attempts, dropped_percent, rating, first_at, last_at,"
                    " recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    rows,
                )
            rows = []


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=50_000)
    parser.add_argument("--modules", type=int, default=10_000)
    parser.add_argument("--interactions", type=int, default=2_000_000)
    args = parser.parse_args()
    print_machine()
    with engine_settings("sqlite") as settings:
        models = Path(settings.sqlite_path).parent / "models"
        services = build_services(
            settings.__class__(**{**settings.__dict__, "model_dir": str(models)}),
            start_projections=False,
        )
        try:
            started = time.perf_counter()
            write_structured(services, args.employees, args.modules, args.interactions)
            print(f"wrote the read models in {time.perf_counter() - started:.0f}s (load {load()})",
                  flush=True)  # fmt: skip
            started = time.perf_counter()
            metadata = train_version(
                services.recommender.sources, services.recommender.registry, position=0,
                params=FitParameters(),
            )  # fmt: skip
            whole = time.perf_counter() - started
            print(
                f"product training (train_version, default settings): {whole:.0f}s for"
                f" {metadata.interactions} consenting interactions, {metadata.parameters['epochs']}"
                f" epochs, {metadata.parameters['components']} components; validation NDCG@10"
                f" {metadata.metrics.get('validation_ndcg_at_10')} (load {load()})",
                flush=True,
            )
            data = collect_training_data(services.recommender.sources, datetime.now(UTC))
        finally:
            services.close()
    history = _history(data)
    base = PipelineSettings(component_grid=(32,))
    cap = FitParameters().epochs_for(int(data.interactions.nnz))
    capped = FitParameters(tune=False, epochs=cap)
    runs = {
        f"capped ({cap} epochs, the product's cap at this size)": (capped, base),
        "uncapped (epochs chosen on the split from 5, 10, 20, 30)": (
            FitParameters(tune=True, epochs=max(UNCAPPED_CHECKPOINTS), max_updates=10**12),
            replace(base, epoch_checkpoints=UNCAPPED_CHECKPOINTS),
        ),
    }
    for name, (params, pipeline) in runs.items():
        started = time.perf_counter()
        found = _validate(data, history, params, pipeline)
        seconds = time.perf_counter() - started
        assert found is not None
        print(
            f"{name}: NDCG@10 blend {found['ndcg']:.4f}, LightFM alone {found['model_ndcg']:.4f},"
            f" precision@10 {found['precision']:.4f} on {found['users']} people; epochs"
            f" {found['epochs']}; curve {found['curve']}; blend {found['blend']};"
            f" {seconds:.0f}s (load {load()})",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
