"""Recommendations and a programme in the demo history, so the dashboard has something to say.

- **Recommendations.** Some of the modules people chose themselves were first recommended
  to them: a list of three is issued a few hours to days before, the chosen module is
  enrolled from it (the enrolment names the list) and the others are often dismissed. Only
  people who had granted personalisation at that moment get lists. Each choice draws from
  its own random stream (seeded by person and module), so the rest of the demo is the
  same with or without this pass.
- **A programme.** "Personalised learning recommendations" with a pilot phase that started
  halfway through the window (completion at least 80 % in 6 months, eNPS +20 in 12
  months), an extension planned after it, a 15-person pilot cohort of consenting people
  spread over the departments, and ROI lines (licences, training, champion time; time
  saved, an avoided external consultant).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID

from app.aggregates.programme_phases import criterion
from app.recommend.reasons import Reason
from app.seed.catalogue import PlannedModule
from app.seed.organisation import Person
from app.seed.timeline import Step, Timeline

#: Share of self-chosen enrolments (with consent) that began as a recommendation.
RECOMMENDED_SHARE = 0.45
#: Chance that each other item of a list is dismissed rather than left unanswered.
DISMISS_SHARE = 0.5
PURPOSE = "personalisation"
PILOT_SIZE = 15
PROGRAMME_NAME = "Personalised learning recommendations"

STEERING_COMMANDS = frozenset({
    "issue_recommendation", "answer_recommendation", "define_programme",
    "define_programme_phase", "confirm_pilot_cohort", "record_programme_cost_line",
    "record_programme_benefit",
})  # fmt: skip


def _consent_spans(steps: Sequence[Step]) -> dict[UUID, tuple[datetime, datetime | None]]:
    spans: dict[UUID, tuple[datetime, datetime | None]] = {}
    for step in steps:
        if step.args.get("purpose") != PURPOSE:
            continue
        who = step.args["employee_id"]
        if step.command == "grant_consent":
            spans[who] = (step.at, None)
        elif step.command == "withdraw_consent" and who in spans:
            spans[who] = (spans[who][0], step.at)
    return spans


def _reason(module: PlannedModule) -> list[dict[str, object]]:
    return [Reason("skill_gap", f"builds your {module.skill}", skill=module.skill).as_record()]


def with_recommendations(
    steps: Sequence[Step], modules: Sequence[PlannedModule], until: datetime
) -> list[Step]:
    """The steps with some self-chosen enrolments turned into accepted recommendations."""
    spans = _consent_spans(steps)
    by_id = {m.id: m for m in modules}
    found: list[Step] = []
    for step in steps:
        args = step.args
        span = spans.get(args["employee_id"]) if step.command == "enroll" else None
        if span is None or args["source"] != "self" or not _consented(span, step.at):
            found.append(step)
            continue
        who, chosen = args["employee_id"], args["module_id"]
        rng = random.Random(f"recommendation:{who}:{chosen}:{step.at.isoformat()}")
        issued = step.at - timedelta(hours=rng.uniform(2, 120))
        if rng.random() >= RECOMMENDED_SHARE or not _consented(span, issued):
            found.append(step)
            continue
        others = [m for m in rng.sample(list(modules), min(8, len(modules)))
                  if m.id != chosen and m.offered_at(issued)][:2]  # fmt: skip
        items = [by_id[chosen], *others]
        decision = UUID(int=rng.getrandbits(128), version=4)
        found.append(Step(issued, "issue_recommendation", dict(
            employee_id=who, module_ids=[m.id for m in items],
            scores=[round(0.9 - 0.2 * i + rng.uniform(-0.05, 0.05), 4)
                    for i in range(len(items))],
            reasons=[_reason(m) for m in items], model_version=None,
            consent_basis="personalised", goal=None, actor=args["actor"],
            decision_id=decision, occurred_at=issued,
        )))  # fmt: skip
        # Enrolling from the list (as the product's "enrol" on a recommendation does).
        found.append(replace(step, args={**args, "source": "recommendation",
                                         "recommendation_id": decision}))  # fmt: skip
        for other in others:
            answered = step.at + timedelta(seconds=rng.randint(5, 90))
            if rng.random() < DISMISS_SHARE and answered < until:
                found.append(Step(answered, "answer_recommendation", dict(
                    decision_id=decision, module_id=other.id, answer="dismissed",
                    comment="", actor=args["actor"], occurred_at=answered,
                )))  # fmt: skip
    return found


def _consented(span: tuple[datetime, datetime | None], moment: datetime) -> bool:
    granted, withdrawn = span
    return granted < moment and (withdrawn is None or moment < withdrawn)


def programme_steps(
    timeline: Timeline, people: Sequence[Person], steps: Sequence[Step], hr: object
) -> list[Step]:
    """The programme, its pilot phase, cohort and ROI lines, as HR enters them."""
    rng = random.Random("programme")
    start = timeline.window_start + (timeline.until - timeline.window_start) / 2
    at = min(start, timeline.until - timedelta(days=1))
    actor = hr(at)  # type: ignore[operator]
    programme = UUID(int=rng.getrandbits(128), version=4)
    pilot_end = (at + timedelta(days=180)).date()
    found = [
        Step(at, "define_programme", dict(
            name=PROGRAMME_NAME, department=None, actor=actor, programme_id=programme)),
        Step(at + timedelta(minutes=5), "define_programme_phase", dict(
            programme_id=programme, kind="pilot", name="Pilot: recommendations for 15 people",
            starts_on=at.date(), ends_on=pilot_end,
            success_criteria=[
                criterion("completion_rate", "at_least", 0.8, 6, "successCriteria[0]"),
                criterion("enps", "change_by", 20, 12, "successCriteria[1]"),
                criterion("recommendation_acceptance", "at_least", 0.3, 6,
                          "successCriteria[2]"),
            ],
            exit_criteria=["completion below 50 % after three months",
                           "works council objects to the data used"],
            actor=actor)),
    ]  # fmt: skip
    cohort = _pilot_cohort(people, steps, at, timeline.until)
    if len(cohort) >= 5:
        found.append(Step(at + timedelta(hours=2), "confirm_pilot_cohort", dict(
            programme_id=programme, employee_ids=[str(p) for p in cohort],
            suggested_ids=[str(p) for p in cohort], min_size=5, actor=actor)))  # fmt: skip
    lines = (
        ("cost", "licences", 4_800.0, 1, "Recommendation licences, first quarter"),
        ("cost", "training", 2_500.0, 3, "Training the pilot cohort"),
        ("cost", "champion_time", 1_800.0, 20, "Two champions, two hours a week"),
        ("benefit", "avoided_consultants", 6_000.0, 45, "External onboarding course not bought"),
        ("cost", "licences", 4_800.0, 92, "Recommendation licences, second quarter"),
    )
    for kind, category, amount, day, text in lines:
        moment = at + timedelta(days=day)
        if moment >= timeline.until:
            continue
        command = "record_programme_cost_line" if kind == "cost" else "record_programme_benefit"
        args: dict[str, object] = dict(programme_id=programme, category=category, amount=amount,
                                       description=text, actor=hr(moment))  # type: ignore[operator]  # fmt: skip
        args["incurred_on" if kind == "cost" else "realised_on"] = moment.date()
        found.append(Step(moment, command, args))
    saved = at + timedelta(days=30)
    if saved < timeline.until:
        found.append(Step(saved, "record_programme_benefit", dict(
            programme_id=programme, category="time_saved", amount=None,
            realised_on=saved.date(), description="Less time searching for the right module",
            minutes_per_day=10.0, employees=len(cohort), working_days=20, hourly_value=55.0,
            actor=hr(saved))))  # type: ignore[operator]  # fmt: skip
    return found


def _pilot_cohort(
    people: Sequence[Person], steps: Sequence[Step], at: datetime, until: datetime
) -> list[UUID]:
    """Consenting people still there at the end, taken round-robin over departments."""
    spans = _consent_spans(steps)
    leaving = {s.args["employee_id"] for s in steps if s.command == "offboard_employee"}
    by_department: dict[str, list[UUID]] = defaultdict(list)
    for person in people:
        span = spans.get(person.id)
        if span is None or person.id in leaving or span[1] is not None:
            continue
        if _consented(span, at) and person.hired_at < at:
            by_department[person.department].append(person.id)
    chosen: list[UUID] = []
    queues = [list(v) for _, v in sorted(by_department.items())]
    while len(chosen) < PILOT_SIZE and any(queues):
        for queue in queues:
            if queue and len(chosen) < PILOT_SIZE:
                chosen.append(queue.pop(0))
    return chosen
