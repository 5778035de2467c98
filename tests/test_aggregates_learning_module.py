"""The LearningModule aggregate: publish, revise, flag, retire."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from app.aggregates import Conflict, LearningModule, ValidationFailed
from app.aggregates.learning_module import MAX_MINUTES
from tests.domain_support import HR, content, from_history, new_events, only_event, publish


def test_publishing_normalises_skills_topics_and_prerequisites() -> None:
    prerequisite = uuid4()
    module = publish(
        title=" SQL for analysts ",
        topics=["Data", "data", "Reporting"],
        skills={"SQL": 3, "Excel": 1},
        language="EN",
        prerequisite_ids=[prerequisite, prerequisite],
    )

    published = only_event(module, LearningModule.Published)
    assert published.title == "SQL for analysts"
    assert published.topics == ["data", "reporting"]
    assert published.skills == {"sql": 3, "excel": 1}
    assert published.language == "en"
    assert published.prerequisite_ids == [prerequisite]
    assert (published.difficulty, published.media_type, published.minutes) == (2, "course", 90)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "t" * 201}, "title"),
        ({"description": "d" * 5001}, "description"),
        ({"difficulty": 0}, "difficulty"),
        ({"difficulty": 6}, "difficulty"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": MAX_MINUTES + 1}, "minutes"),
        ({"skills": {}}, "skills"),
        ({"skills": {"sql": 6}}, "skills.level"),
        ({"skills": {"sql": -1}}, "skills.level"),
        ({"skills": {" ": 2}}, "skills.skill"),
        ({"media_type": "hologram"}, "mediaType"),
        ({"topics": ["t" * 101]}, "topics"),
        ({"language": "a-very-long-code"}, "language"),
    ],
)
def test_publishing_rejects_bad_content_naming_the_field(
    overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        publish(**overrides)
    assert refused.value.field == field


def test_a_description_may_be_empty_and_up_to_5000_characters() -> None:
    assert only_event(publish(description=""), LearningModule.Published).description == ""
    long = only_event(publish(description="d" * 5000), LearningModule.Published)
    assert len(long.description) == 5000


def test_a_module_cannot_be_its_own_prerequisite() -> None:
    module_id = uuid4()
    with pytest.raises(ValidationFailed) as refused:
        LearningModule.publish(content(prerequisite_ids=[module_id]), HR, module_id)
    assert refused.value.field == "prerequisiteIds"


def test_revision_records_the_whole_new_content_and_clears_a_flag() -> None:
    module = publish()
    module.flag_for_revision("low ratings", {"rating": 2.1}, HR)
    module = from_history(module)
    assert module.flag_reason == "low ratings"

    module.revise(content(title="SQL for analysts, 2nd edition", minutes=120), HR)

    revised = only_event(module, LearningModule.Revised)
    assert (revised.title, revised.minutes, revised.skills) == (
        "SQL for analysts, 2nd edition",
        120,
        {"sql": 3},
    )
    assert module.flag_reason is None


def test_a_revision_that_changes_nothing_is_a_conflict() -> None:
    module = from_history(publish())
    with pytest.raises(Conflict):
        module.revise(content(), HR)
    assert new_events(module) == []


def test_a_revision_is_validated_like_a_publication() -> None:
    module = from_history(publish())
    with pytest.raises(ValidationFailed) as refused:
        module.revise(content(difficulty=9), HR)
    assert refused.value.field == "difficulty"


def test_flagging_records_reason_and_figures() -> None:
    module = from_history(publish())
    module.flag_for_revision(" outdated screenshots ", {"dropRate": 0.4}, HR)
    flagged = only_event(module, LearningModule.FlaggedForRevision)
    assert (flagged.reason, flagged.figures) == ("outdated screenshots", {"dropRate": 0.4})


@pytest.mark.parametrize("reason", ["", "r" * 1001])
def test_a_flag_needs_a_reason_of_reasonable_length(reason: str) -> None:
    module = from_history(publish())
    with pytest.raises(ValidationFailed) as refused:
        module.flag_for_revision(reason, {}, HR)
    assert refused.value.field == "reason"


def test_a_retired_module_cannot_be_revised_flagged_or_retired_again() -> None:
    module = publish()
    module.retire("replaced", HR)
    module = from_history(module)
    assert module.retired

    for command in (
        lambda: module.revise(content(title="New"), HR),
        lambda: module.flag_for_revision("why", {}, HR),
        lambda: module.retire("again", HR),
    ):
        with pytest.raises(Conflict) as refused:
            command()
        assert refused.value.field == "moduleId"
    assert new_events(module) == []
