"""Recommender training time from the read models, beside a bare LightFM fit.

Sizes: 5,000 employees x 2,000 modules x 150,000 interactions (target: the whole training
under 3x the bare fit on the same matrices, in the same run) and 50,000 x 10,000 x
2,000,000 (target: under 3 minutes). The read-model rows are written straight into a
temporary SQLite database (synthetic, with role-shaped preferences): seeding millions of
interactions through commands would take far longer than the training being measured.

    .venv/bin/python bench/bench_recommend_training.py [--sizes small,large]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.bootstrap import Services, build_services
from app.recommend.model import FitParameters, fit_lightfm
from app.recommend.training import collect_training_data, train_version
from bench.harness import engine_settings, print_machine

SIZES = {"small": (5_000, 2_000, 150_000), "large": (50_000, 10_000, 2_000_000)}
ROLES, SKILLS = 40, 80
MEDIA = ("video", "article", "course", "interactive", "podcast", "workshop")
CHUNK = 50_000


def write_read_models(services: Services, employees: int, modules: int, pairs: int) -> None:
    """Synthetic rows in the recommender's read models (and consents), role-shaped."""
    rng = np.random.default_rng(7)
    now = datetime.now(UTC)
    role_ids = [str(uuid.uuid4()) for _ in range(ROLES)]
    role_skills = [rng.choice(SKILLS, 3, replace=False) for _ in range(ROLES)]
    module_skill = rng.integers(0, SKILLS, modules)
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
            [(m, i + 1, f"Module {i}", json.dumps({f"s{module_skill[i]}": int(1 + i % 5)}),
              json.dumps([f"topic{module_skill[i] % 10}"]), int(1 + i % 5), MEDIA[i % 6],
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
    # 70 % of a person's modules teach their role's skills, the rest anything.
    users = rng.integers(0, employees, pairs * 2)
    by_skill_order = np.argsort(module_skill, kind="stable")
    starts = np.searchsorted(module_skill[by_skill_order], np.arange(SKILLS))
    sizes = np.bincount(module_skill, minlength=SKILLS)
    wanted = np.asarray(role_skills)[employee_role[users], rng.integers(0, 3, pairs * 2)]
    offset = (rng.random(pairs * 2) * np.maximum(sizes[wanted], 1)).astype(np.int64)
    affine = (rng.random(pairs * 2) < 0.7) & (sizes[wanted] > 0)
    picked = np.where(
        affine,
        by_skill_order[np.minimum(starts[wanted] + offset, modules - 1)],
        rng.integers(0, modules, pairs * 2),
    )
    keys = np.unique(users * modules + picked)[:pairs]
    rng.shuffle(keys)
    statuses = ("completed", "active", "dropped")
    rows = []
    for n, key in enumerate(keys):
        at = (now - timedelta(days=int(key % 400))).isoformat()
        status = statuses[n % 3]
        rows.append((str(uuid.uuid4()), employee_ids[key // modules], module_ids[key % modules],
                     status, 100 if status == "completed" else int(n % 90), 1,
                     int(n % 60) if status == "dropped" else None,
                     int(1 + n % 5) if n % 4 == 0 else None, at, at, at))  # fmt: skip
        if len(rows) == CHUNK or n == len(keys) - 1:
            with services.gateway.transaction(write=True) as tx:
                tx.executemany(
                    "INSERT INTO {interactions} (enrollment_id, employee_id, module_id, status,"
                    " percent, attempts, dropped_percent, rating, first_at, last_at,"
                    " recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    rows,
                )
            rows = []


def measure(name: str, employees: int, modules: int, pairs: int) -> dict[str, float]:
    with engine_settings("sqlite") as settings:
        models = Path(settings.sqlite_path).parent / "models"
        services = build_services(
            settings.__class__(**{**settings.__dict__, "model_dir": str(models)}),
            start_projections=False,
        )
        try:
            started = time.perf_counter()
            write_read_models(services, employees, modules, pairs)
            print(f"{name}: wrote the read models in {time.perf_counter() - started:.1f}s")
            params = FitParameters()
            started = time.perf_counter()
            metadata = train_version(
                services.recommender.sources, services.recommender.registry, position=0,
                params=params,
            )  # fmt: skip
            whole = time.perf_counter() - started
            data = collect_training_data(services.recommender.sources, datetime.now(UTC))
            started = time.perf_counter()
            fit_lightfm(data, params)
            bare = time.perf_counter() - started
        finally:
            services.close()
    figures = {
        "whole": whole, "bare": bare, "ratio": whole / bare,
        "build": metadata.metrics["build_seconds"], "fit": metadata.metrics["fit_seconds"],
        "users": metadata.users, "items": metadata.items, "interactions": metadata.interactions,
    }  # fmt: skip
    print(
        f"{name}: {employees} employees x {modules} modules x {metadata.interactions}"
        f" interactions ({metadata.users} consenting): whole training {whole:.1f}s"
        f" (reading + building {figures['build']:.1f}s, fit {figures['fit']:.1f}s, the rest"
        f" measuring and saving); bare LightFM fit {bare:.1f}s; ratio {whole / bare:.2f}"
        f" ({params.epochs_for(metadata.interactions)} epochs, {params.components} components,"
        f" {params.threads} threads)"
    )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="small,large")
    args = parser.parse_args()
    print_machine()
    for name in args.sizes.split(","):
        measure(name, *SIZES[name])
    return 0


if __name__ == "__main__":
    sys.exit(main())
