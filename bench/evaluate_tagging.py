"""Suggested topics and skills on held-out modules: the demo catalogue and (internal testing
only, never shipped) the real Coursera listings in ``../shared/data/course_catalogues``.

Each catalogue is split once (seed 15) into 80 % the vocabulary is built from and 20 % held
out; a held-out module's title and description are all the suggester sees, its own tags are
the truth. Prints micro-averaged precision and recall of the top 1, 3 and 5 per kind.

Run: ``.venv/bin/python -m bench.evaluate_tagging`` (``--coursera PATH`` to add Coursera).
"""

from __future__ import annotations

import argparse
import ast
import csv
import gzip
import time
from pathlib import Path

from app.competence.model import competence_model
from app.seed.competence import ROLES
from app.seed.plan import DemoSpec, plan_for
from app.tagging.evaluation import TopK, evaluate
from app.tagging.suggest import CatalogueEntry, RoleEntry, SkillEntry


def demo() -> list[CatalogueEntry]:
    plan = plan_for(DemoSpec())
    return [
        CatalogueEntry(str(m.id), m.content.title, m.content.description, m.content.topics,
                       list(m.content.skills))
        for m in plan.modules
    ]  # fmt: skip


def coursera(path: Path) -> list[CatalogueEntry]:
    """Courses with at least one skill tag; the tags are the skills (there are no topics)."""
    csv.field_size_limit(1 << 26)
    found = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for i, row in enumerate(csv.DictReader(handle)):
            tags = ast.literal_eval(row["course_skills"]) if row["course_skills"].strip() else []
            if tags:
                text = f"{row['course_summary'] or ''} {(row['course_description'] or '')[:1500]}"
                found.append(CatalogueEntry(str(i), row["course_title"], text, [],
                                            [t.lower() for t in tags]))  # fmt: skip
    return found


def show(name: str, results: list[TopK], seconds: float) -> None:
    for r in results:
        if r.modules:
            print(f"{name} {r.kind:5} top-{r.k}: precision {r.precision:.2f}, recall"
                  f" {r.recall:.2f} (reachable {r.reachable:.2f}), n={r.modules}")  # fmt: skip
    print(f"{name}: {seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--coursera", type=Path, default=None)
    args = parser.parse_args()
    skills = [SkillEntry(s.skill, s.title, s.description, s.framework) for s in competence_model()]
    roles = [RoleEntry(r.title, [s[0] for s in r.skills]) for r in ROLES]
    started = time.perf_counter()
    show("demo", evaluate(demo(), (1, 3, 5), skills, roles), time.perf_counter() - started)
    if args.coursera:
        started = time.perf_counter()
        show("coursera", evaluate(coursera(args.coursera), (1, 3, 5), skills),
             time.perf_counter() - started)  # fmt: skip


if __name__ == "__main__":
    main()
