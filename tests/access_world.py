"""A small organisation for access tests: a manager, two reports (one sharing her profile),
a stranger, and personal data with unique markers in every facet that has free text.

The facts the access policy needs are known here from the arrangement itself (who manages
whom, who shares), so tests can judge every answer against ``app/access/`` without
asking the system under test.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from app.access import Facet, Subject, Viewer
from app.aggregates import Actor, RequiredSkill
from app.aggregates.onboarding import Milestone
from app.aggregates.programme_phases import criterion
from app.aggregates.pulse_survey import SurveyItem
from app.bootstrap import Services, build_services
from app.settings import Settings
from tests.domain_support import HR, content

PEOPLE = ("grace", "ada", "bea", "olga")


def markers(person: str) -> dict[Facet, list[str]]:
    """Strings planted in each facet of a person, unique to them."""
    return {
        Facet.IDENTITY: [f"Name-{person}-x7", f"{person}.x7@example.com", f"Town-{person}-x7"],
        Facet.PROFILE: [f"goal-{person}-x7"],
        Facet.LEARNING: [f"comment-{person}-x7"],
        Facet.DECISIONS: [f"reason-{person}-x7", f"asked-{person}-x7", f"answer-{person}-x7"],
        Facet.WELLBEING: [f"pulse-{person}-x7"],
        Facet.REPORTS: [f"wrong-{person}-x7"],
    }


@dataclass
class AccessWorld:
    """The arranged organisation and what the policy needs to know of each person."""

    services: Services
    ids: dict[str, str]
    role_id: str
    module_id: str
    other_module_id: str
    survey_id: str = ""
    mentorship_id: str = ""
    other_role_id: str = ""
    benefit_id: str = ""
    enrollments: dict[str, str] = field(default_factory=dict)
    decisions: dict[str, str] = field(default_factory=dict)
    #: A recommendation list per person that is not answered yet.
    open_decisions: dict[str, str] = field(default_factory=dict)
    #: A list per person whose item they reported as WRONG with a comment (HR's queue).
    reported_decisions: dict[str, str] = field(default_factory=dict)
    #: A programme with a pilot phase whose cohort is everyone.
    programme_id: str = ""

    @property
    def managers(self) -> dict[str, str | None]:
        grace = self.ids["grace"]
        return {self.ids["ada"]: grace, self.ids["bea"]: grace}

    def subject(self, person_id: str) -> Subject:
        """What the policy knows of a person, from the arrangement (not from the system)."""
        sharing = {self.ids["ada"]}
        purposes = {"personalisation", "fairness_audit"}
        if person_id in sharing:
            purposes.add("profile_sharing")
        known = person_id in self.ids.values()
        return Subject(
            person_id,
            self.managers.get(person_id),
            frozenset(purposes) if known else frozenset(),
        )

    def person_of(self, marker: str) -> tuple[str, Facet] | None:
        for person in PEOPLE:
            for facet, planted in markers(person).items():
                if marker in planted:
                    return self.ids[person], facet
        return None


def arrange(services: Services) -> AccessWorld:
    """Grace manages Ada and Bea; Olga works elsewhere; Ada shares her profile."""
    app = services.app
    role = app.define_role(
        code="dev", title="Developer", source="", skills=[RequiredSkill("sql", 3)], actor=HR
    ).id
    module = app.publish_module(content(), actor=HR).id
    other = app.publish_module(
        content(title="Python basics", skills={"python": 2}, topics=["programming"]), actor=HR
    ).id
    ids: dict[str, str] = {}
    for person in PEOPLE:
        name, email, town = markers(person)[Facet.IDENTITY]
        manager = None if person in ("grace", "olga") else UUID(ids["grace"])
        ids[person] = str(
            app.hire_employee(
                name=name, email=email, role_id=role, department="Engineering",
                manager_id=manager, location=town, years_experience=3,
                hire_date=date(2024, 1, 2), actor=HR,
            ).id
        )  # fmt: skip
    survey = app.define_pulse_survey(
        title="Weekly pulse",
        cadence="weekly",
        actor=HR,
        items=[SurveyItem("load", "My workload is fine"), SurveyItem("say", "Anything?", "text")],
    ).id
    world = AccessWorld(services, ids, str(role), str(module), str(other), str(survey))
    for person in PEOPLE:
        employee = UUID(ids[person])
        me = Actor(ids[person], "employee")
        for purpose in ("personalisation", "fairness_audit"):
            app.grant_consent(employee, purpose=purpose, policy_version="v1", actor=me)
        if person == "ada":
            app.grant_consent(employee, purpose="profile_sharing", policy_version="v1", actor=me)
        app.update_profile(
            employee, media_types=["video"], weekly_minutes=60,
            goals=markers(person)[Facet.PROFILE], language="en", actor=me,
        )  # fmt: skip
        app.declare_attributes(employee, gender="diverse", age_band="30_44", actor=me)
        app.assess_skill(employee, skill="sql", level=2, source="self", actor=me)
        app.answer_pulse(employee, score=7, actor=me)
        app.answer_pulse(
            employee,
            score=8,
            actor=me,
            survey_id=survey,
            item_scores={"load": 4},
            texts={"say": markers(person)[Facet.WELLBEING][0]},
        )
        enrollment = app.enroll(
            employee_id=employee, module_id=module, source="self", recommendation_id=None,
            actor=me,
        ).id  # fmt: skip
        app.record_quiz_attempt(enrollment, score=70, actor=me)
        app.give_feedback(
            enrollment, rating=4, comment=markers(person)[Facet.LEARNING][0], actor=me
        )
        world.enrollments[person] = str(enrollment)
        reason, asked, answer = markers(person)[Facet.DECISIONS]
        decision = app.issue_recommendation(
            employee_id=employee, module_ids=[other], scores=[0.7],
            reasons=[[{"kind": "goal", "text": reason}]], model_version=None,
            consent_basis="personalised", goal=asked, actor=HR,
        ).id  # fmt: skip
        app.answer_recommendation(
            decision, module_id=other, answer="dismissed", comment=answer, actor=me
        )
        world.decisions[person] = str(decision)
        reported = app.issue_recommendation(
            employee_id=employee, module_ids=[other], scores=[0.5],
            reasons=[[{"kind": "goal", "text": reason}]], model_version=None,
            consent_basis="personalised", goal=asked, actor=HR,
        ).id  # fmt: skip
        app.answer_recommendation(
            reported, module_id=other, answer="wrong", comment=markers(person)[Facet.REPORTS][0],
            actor=me,
        )  # fmt: skip
        world.reported_decisions[person] = str(reported)
        world.open_decisions[person] = str(
            app.issue_recommendation(
                employee_id=employee, module_ids=[other], scores=[0.6],
                reasons=[[{"kind": "goal", "text": reason}]], model_version=None,
                consent_basis="personalised", goal=asked, actor=HR,
            ).id
        )  # fmt: skip
    # Everyone's onboarding: Ada's and Bea's journeys run, the others' start in a test.
    app.define_onboarding_template(
        role_id=role,
        module_ids=[module],
        milestones=[Milestone("laptop", "Laptop", 1)],
        check_in_weeks=[1, 4],
        buddy=False,
        target_days=60,
        actor=HR,
    )
    for person in ("ada", "bea"):
        app.start_onboarding(UUID(ids[person]), buddy_id=UUID(ids["grace"]),
                             started_on=date(2024, 1, 2), actor=HR)  # fmt: skip
    world.other_role_id = str(
        app.define_role(
            code="ops", title="Ops", source="", skills=[RequiredSkill("sql", 2)], actor=HR
        ).id
    )
    # Ada and Bea grant the benefits consent and declare a life phase.
    world.benefit_id = str(
        app.define_benefit(
            name="Childcare", description="", phases=["young_family"], fits=["parent"], actor=HR
        ).id
    )
    for person in ("ada", "bea"):
        me = Actor(ids[person], "employee")
        app.grant_consent(UUID(ids[person]), purpose="benefits", policy_version="v1", actor=me)
        app.declare_life_phase(UUID(ids[person]), phase="young_family", conditions=["parent"],
                               actor=me)  # fmt: skip
    # Olga mentors Bea in sql (Olga opted in); Ada is proposed as a mentor too.
    for mentor in ("olga", "ada"):
        app.opt_in_as_mentor(UUID(ids[mentor]), max_mentees=3,
                             actor=Actor(ids[mentor], "employee"))  # fmt: skip
    app.assess_skill(UUID(ids["ada"]), skill="sql", level=5, source="quiz", actor=HR)
    world.mentorship_id = str(
        app.offer_mentorship(
            mentor_id=UUID(ids["olga"]), mentee_id=UUID(ids["bea"]), skill="sql",
            kind="experienced", actor=Actor(ids["bea"], "employee"),
        ).id
    )  # fmt: skip
    # Ada and Bea joined the champion programme; Grace rated Ada, HR recorded Bea's time.
    for person in ("ada", "bea"):
        app.opt_in_as_champion(UUID(ids[person]), actor=Actor(ids[person], "employee"))
    app.give_champion_input(UUID(ids["ada"]), source="manager",
                            ratings={"communication": "strong"},
                            actor=Actor(ids["grace"], "manager"))  # fmt: skip
    app.give_champion_input(UUID(ids["bea"]), source="self",
                            ratings={"technology_interest": "medium"},
                            actor=Actor(ids["bea"], "employee"))  # fmt: skip
    app.record_champion_time(UUID(ids["bea"]), month=date(2024, 3, 1), share_percent=20,
                             actor=HR)  # fmt: skip
    world.programme_id = arrange_programme(services, list(ids.values()))
    services.runner.catch_up()
    return world


def arrange_programme(services: Services, cohort: list[str]) -> str:
    """A pilot phase with two criteria and everyone in the cohort."""
    app = services.app
    programme = app.define_programme(name="Personalised learning", department=None, actor=HR).id
    app.define_programme_phase(
        programme, kind="pilot", name="Pilot", starts_on=date(2024, 1, 1),
        ends_on=date(2024, 7, 1), success_criteria=[
            criterion("completion_rate", "at_least", 0.8, 6, "successCriteria[0]"),
            criterion("enps", "change_by", 20, 12, "successCriteria[1]"),
        ], exit_criteria=["completion below 0.5"], actor=HR,
    )  # fmt: skip
    app.confirm_pilot_cohort(
        programme, employee_ids=cohort, suggested_ids=cohort, min_size=1, actor=HR
    )
    return str(programme)


@contextlib.contextmanager
def access_world(**settings: object) -> Iterator[AccessWorld]:
    services = build_services(
        Settings(persistence="memory", seed_if_empty=False, min_group_size=1, **settings)  # type: ignore[arg-type]
    )
    try:
        yield arrange(services)
    finally:
        services.close()


@dataclass(frozen=True)
class Case:
    """Who asks (a role acting as someone) and about whom."""

    role: str
    viewer: str  # a person's name in PEOPLE, or the role's own id
    subject: str  # a person's name in PEOPLE
    relation: str

    def viewer_of(self, world: AccessWorld) -> Viewer:
        return Viewer(world.ids.get(self.viewer, self.viewer), self.role)


FUNCTION_ROLES = ("hr", "auditor", "works_council", "leadership", "admin", "integration")

CASES = [
    Case("employee", "ada", "ada", "self"),
    Case("manager", "grace", "grace", "self"),
    Case("manager", "grace", "ada", "own report sharing their profile"),
    Case("manager", "grace", "bea", "own report not sharing"),
    Case("employee", "olga", "ada", "a stranger"),
    Case("manager", "grace", "olga", "a stranger"),
    *(Case(role, f"{role}@skillpath", who, f"{role} about a report")
      for role in FUNCTION_ROLES for who in ("ada", "bea")),
]  # fmt: skip
