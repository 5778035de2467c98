"""The rules after the model, each on its own, served through the recommender service."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from app.aggregates import SYSTEM
from app.recommend import reasons, rules
from app.recommend.serving import Recommendations
from tests.recommend_org import Org, analysts_and_engineers, memory_services


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    services = memory_services(tmp_path)
    try:
        built = analysts_and_engineers(services)
        built.train()
        yield built
    finally:
        services.close()


def serve(org: Org, employee: UUID, first: int = 10, goal: str | None = None) -> Recommendations:
    org.settle()
    return org.services.recommender.recommend(employee, first=first, goal=goal, actor=SYSTEM)


def names(org: Org, served: Recommendations) -> list[str]:
    return [org.name_of(item.module_id) for item in served.ranking.items]


def test_completed_and_in_progress_modules_are_never_recommended(org: Org) -> None:
    employee = org.hire("engineer")
    org.complete(employee, "python-1")
    org.enrol(employee, "testing-1")
    shown = names(org, serve(org, employee, first=20))
    assert shown, "an engineer with history gets recommendations"
    assert "python-1" not in shown
    assert "testing-1" not in shown


def test_modules_whose_prerequisites_are_not_completed_are_held_back(org: Org) -> None:
    org.module("python-advanced", {"python": 5}, difficulty=3, prerequisites=("python-1",))
    employee = org.hire("engineer")
    assert "python-advanced" not in names(org, serve(org, employee, first=20, goal="advanced"))
    for done in ("python-1", "python-2", "python-3"):  # room under the per-skill limit
        org.complete(employee, done)
    assert "python-advanced" in names(org, serve(org, employee, first=20, goal="advanced"))


def test_two_low_quiz_scores_lead_to_an_easier_next_module(org: Org) -> None:
    employee = org.hire("engineer")
    org.complete(employee, "python-3", quiz=35)
    org.complete(employee, "testing-3", quiz=40)
    served = serve(org, employee, first=10)
    by_id = {m.module_id: m for m in org.services.recommender.features.modules()}
    difficulties = [by_id[item.module_id].difficulty for item in served.ranking.items]
    assert difficulties and max(difficulties) <= 2
    assert all(
        any(r.kind == reasons.EASIER_STEP for r in item.reasons) for item in served.ranking.items
    )


def test_one_low_quiz_score_does_not_cap_difficulty() -> None:
    assert rules.difficulty_ceiling([(90, 3), (30, 3)]) is None
    assert rules.difficulty_ceiling([(30, 3), (50, 4)]) == 2
    assert rules.difficulty_ceiling([(30, 1), (20, 1)]) == 1


def test_modules_beyond_the_weekly_budget_are_left_out_and_fitting_ones_say_so(org: Org) -> None:
    employee = org.hire("engineer")
    org.app.update_profile(
        employee, media_types=[], weekly_minutes=20, goals=[], language="en", actor=SYSTEM
    )
    served = serve(org, employee, first=20)
    by_id = {m.module_id: m for m in org.services.recommender.features.modules()}
    minutes = [by_id[item.module_id].minutes for item in served.ranking.items]
    assert minutes and max(minutes) <= 20 * rules.BUDGET_WEEKS
    short = [i for i in served.ranking.items if by_id[i.module_id].minutes <= 20]
    assert short
    assert "fits your 20 min/week budget" in [r.text for r in short[0].reasons]


def test_preferred_media_is_favoured_and_said_so(org: Org) -> None:
    employee = org.hire("engineer")
    by_id = {m.module_id: m for m in org.services.recommender.features.modules()}

    def interactive_in_top_five() -> int:
        served = serve(org, employee, first=5)
        return sum(by_id[i.module_id].media_type == "interactive" for i in served.ranking.items)

    before = interactive_in_top_five()
    org.app.update_profile(
        employee, media_types=["interactive"], weekly_minutes=0, goals=[], language="en",
        actor=SYSTEM,
    )  # fmt: skip
    assert interactive_in_top_five() > before
    served = serve(org, employee, first=5)
    for item in served.ranking.items:
        preferred = by_id[item.module_id].media_type == "interactive"
        media = [d for d in item.drivers if d.kind == "media"]
        assert [d.detail for d in media] == (["interactive"] if preferred else [])
        said = [r for r in item.reasons if r.kind == reasons.MEDIA]
        # Said when it is among the largest contributions to the score, with its share.
        assert all(r.text == "interactive, as you prefer" and r.share for r in said)
        assert not said or preferred


def test_modules_in_another_language_are_left_out(org: Org) -> None:
    org.module("python-norsk", {"python": 3}, language="nb")
    employee = org.hire("engineer")
    assert "python-norsk" not in names(org, serve(org, employee, first=30))
    org.app.update_profile(
        employee, media_types=[], weekly_minutes=0, goals=[], language="nb", actor=SYSTEM
    )
    assert names(org, serve(org, employee, first=30)) == ["python-norsk"]


def test_no_more_than_three_modules_on_one_skill(org: Org) -> None:
    for d in range(5, 12):
        org.module(f"python-extra-{d}", {"python": 4}, difficulty=2)
    employee = org.hire("engineer")
    served = serve(org, employee, first=10, goal="python")
    by_id = {m.module_id: m for m in org.services.recommender.features.modules()}
    main_skills = Counter(rules.main_skill(by_id[i.module_id]) for i in served.ranking.items)
    assert main_skills["python"] == rules.MAX_PER_SKILL


def test_retired_modules_are_never_recommended(org: Org) -> None:
    employee = org.hire("engineer")
    before = names(org, serve(org, employee, first=1))
    org.app.retire_module(org.modules[before[0]], reason="outdated", actor=SYSTEM)
    assert before[0] not in names(org, serve(org, employee, first=30))


def test_dismissed_items_are_not_shown_again_for_a_while(org: Org) -> None:
    employee = org.hire("engineer")
    served = serve(org, employee, first=3)
    dismissed = served.ranking.items[0].module_id
    org.app.answer_recommendation(
        served.decision_id, module_id=UUID(dismissed), answer="dismissed", comment="",
        actor=SYSTEM,
    )  # fmt: skip
    again = serve(org, employee, first=30)
    assert dismissed not in [i.module_id for i in again.ranking.items]


def test_reasons_name_the_skill_gap_with_both_levels(org: Org) -> None:
    employee = org.hire("engineer")
    org.app.assess_skill(employee, skill="python", level=1, source="self", actor=SYSTEM)
    served = serve(org, employee, first=10)
    gap_reasons = [r for i in served.ranking.items for r in i.reasons if r.kind == "skill_gap"]
    python = next(r for r in gap_reasons if r.skill == "python")
    assert (python.current_level, python.required_level) == (1, 4)
    assert python.text == "closes the gap in python (you 1, your role needs 4)"


def test_a_list_longer_than_the_skills_allow_is_filled_beyond_the_diversity_cap(
    org: Org,
) -> None:
    # Five skills of four modules each: at three per main skill at most fifteen would fit.
    employee = org.hire("engineer")
    served = serve(org, employee, first=20)
    by_id = {m.module_id: m for m in org.services.recommender.features.modules()}
    main_skills = Counter(rules.main_skill(by_id[i.module_id]) for i in served.ranking.items)
    capped = len(main_skills) * rules.MAX_PER_SKILL
    assert len(served.ranking.items) > capped
    # The head keeps the cap; the modules over it follow, best first.
    head = Counter(rules.main_skill(by_id[i.module_id]) for i in served.ranking.items[:capped])
    assert max(head.values()) <= rules.MAX_PER_SKILL
    tail = [item.score for item in served.ranking.items[capped:]]
    assert tail == sorted(tail, reverse=True)
    # Where the cap can be kept, it is.
    assert (
        max(
            Counter(
                rules.main_skill(by_id[i.module_id])
                for i in serve(org, employee, first=10).ranking.items
            ).values()
        )
        <= 3
    )
