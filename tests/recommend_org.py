"""A small organisation for recommender tests, built through the application's commands."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from uuid import UUID

from app.aggregates import SYSTEM, Enrollment, ModuleContent, RequiredSkill
from app.bootstrap import Services, build_services
from app.recommend.model import FitParameters
from app.recommend.registry import ModelMetadata
from app.settings import Settings

#: Tiny and quick: enough for the rules and reasons to have something to work with.
TINY = FitParameters(components=8, epochs=5, threads=1, tune=False)
SKILLS = {"sql": "technical", "python": "technical", "testing": "technical",
          "communication": "communication", "leadership": "communication"}  # fmt: skip
MEDIA = ("video", "article", "interactive")
MINUTES = (15, 45, 120)


def memory_services(tmp_path: Path, **overrides: object) -> Services:
    """Services in memory. The quality gate is open (tolerance 1) unless a test sets it:
    tests of other things retrain tiny organisations whose validation NDCG is noise."""
    overrides = {"model_tolerance": 1.0, **overrides}
    settings = Settings(
        persistence="memory", seed_if_empty=False, model_dir=str(tmp_path / "models"),
        **overrides,  # type: ignore[arg-type]
    )  # fmt: skip
    return build_services(settings, start_projections=False)


@dataclass
class Org:
    """Roles, a catalogue of modules per skill and difficulty, and helpers to act."""

    services: Services
    roles: dict[str, UUID] = field(default_factory=dict)
    modules: dict[str, UUID] = field(default_factory=dict)
    counter: Iterator[int] = field(default_factory=lambda: iter(range(1, 10**6)))
    #: True when the services' own thread follows the log (the shared ``services`` fixture).
    following: bool = False

    @property
    def app(self):  # type: ignore[no-untyped-def]
        return self.services.app

    def role(self, code: str, skills: dict[str, int]) -> UUID:
        written = self.app.define_role(
            code=code, title=code.title(), source="test",
            skills=[RequiredSkill(s, level, 4) for s, level in skills.items()], actor=SYSTEM,
        )  # fmt: skip
        self.roles[code] = written.id
        return written.id

    def module(
        self, name: str, skills: dict[str, int], *, difficulty: int = 2, media: str = "video",
        minutes: int = 30, topics: tuple[str, ...] = ("technical",), language: str = "en",
        prerequisites: tuple[str, ...] = (),
    ) -> UUID:  # fmt: skip
        content = ModuleContent(
            title=name, description="", topics=list(topics), skills=skills,
            difficulty=difficulty, media_type=media, minutes=minutes, language=language,
            prerequisite_ids=[self.modules[p] for p in prerequisites],
        )  # fmt: skip
        self.modules[name] = self.app.publish_module(content, actor=SYSTEM).id
        return self.modules[name]

    def catalogue(self, levels: int = 4) -> None:
        """One module per skill and difficulty: ``sql-1`` .. ``leadership-4``."""
        for skill, topic in SKILLS.items():
            for d in range(1, levels + 1):
                self.module(
                    f"{skill}-{d}", {skill: min(5, d + 1)}, difficulty=min(5, d),
                    media=MEDIA[d % 3], minutes=MINUTES[d % 3], topics=(topic,),
                )  # fmt: skip

    def hire(
        self, role: str, *, consent: bool = True, fairness: tuple[str, str] | None = None,
        department: str = "Engineering",
    ) -> UUID:  # fmt: skip
        n = next(self.counter)
        employee = self.app.hire_employee(
            name=f"Person {n}", email=f"p{n}@example.com", role_id=self.roles[role],
            department=department, manager_id=None, location="Oslo", years_experience=4,
            hire_date=date(2024, 1, 1), actor=SYSTEM,
        ).id  # fmt: skip
        if consent:
            self.app.grant_consent(
                employee, purpose="personalisation", policy_version="1", actor=SYSTEM
            )
        if fairness is not None:
            self.app.grant_consent(
                employee, purpose="fairness_audit", policy_version="1", actor=SYSTEM
            )
            self.app.declare_attributes(
                employee, gender=fairness[0], age_band=fairness[1], actor=SYSTEM
            )
        return employee

    def enrol(self, employee: UUID, module: str) -> UUID:
        return self.app.enroll(
            employee_id=employee, module_id=self.modules[module], source="self",
            recommendation_id=None, actor=SYSTEM,
        ).id  # fmt: skip

    def complete(self, employee: UUID, module: str, quiz: int | None = None) -> UUID:
        enrollment = self.enrol(employee, module)
        if quiz is not None:
            self.app.record_quiz_attempt(enrollment, score=quiz, actor=SYSTEM)
        self.app.complete_enrollment(enrollment, actor=SYSTEM)
        return enrollment

    def enrollment_of(self, employee: UUID, module: str) -> UUID:
        return Enrollment.id_for(employee, self.modules[module])

    def history(self, employees: list[UUID], skills: list[str], per_person: int, seed: int) -> None:
        """Each employee completes ``per_person`` modules teaching ``skills``."""
        rng = random.Random(seed)
        names = [n for n in self.modules if n.split("-")[0] in skills]
        for employee in employees:
            for name in rng.sample(names, min(per_person, len(names))):
                self.complete(employee, name)

    def settle(self) -> None:
        if self.following:
            assert self.services.read_models_reach(self.app.last_position(), timeout=30)
        else:
            self.services.runner.catch_up()

    def train(self, params: FitParameters = TINY) -> ModelMetadata:
        self.settle()
        return self.services.recommender.train(self.services.runner.position, params=params)

    def name_of(self, module_id: str) -> str:
        return next(n for n, m in self.modules.items() if str(m) == module_id)


def analysts_and_engineers(
    services: Services, *, people: int = 12, seed: int = 1, following: bool = False
) -> Org:
    """Two roles, the standard catalogue, and a learning history per role."""
    org = Org(services, following=following)
    org.role("analyst", {"sql": 3, "communication": 2})
    org.role("engineer", {"python": 4, "testing": 3})
    org.catalogue()
    analysts = [org.hire("analyst") for _ in range(people)]
    engineers = [org.hire("engineer") for _ in range(people)]
    org.history(analysts, ["sql", "communication"], 3, seed)
    org.history(engineers, ["python", "testing"], 3, seed + 1)
    org.settle()
    return org
