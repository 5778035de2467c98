"""The ConsentLedger aggregate: opt-in per purpose, withdrawal from that moment on."""

from __future__ import annotations

from uuid import uuid4

import pytest

from app.aggregates import Conflict, ValidationFailed
from app.consent import PURPOSES, ConsentLedger
from tests.domain_support import LEARNER, NEXT_WEEK, from_history, ledger, new_events, only_event


def test_a_new_ledger_grants_nothing() -> None:
    employee_id = uuid4()
    opened = ledger(employee_id)
    assert opened.id == ConsentLedger.id_for(employee_id)
    assert not any(opened.allows(purpose) for purpose in PURPOSES)
    assert only_event(opened, ConsentLedger.Opened).employee_id == employee_id


def test_granting_records_purpose_and_policy_version() -> None:
    book = from_history(ledger())
    book.grant(
        purpose=" Personalisation ", policy_version="2024-1", actor=LEARNER, occurred_at=None
    )
    granted = only_event(book, ConsentLedger.Granted)
    assert (granted.purpose, granted.policy_version, granted.actor) == (
        "personalisation",
        "2024-1",
        LEARNER,
    )
    assert book.allows("personalisation")
    assert not book.allows("activity_tracking")


def test_granting_again_under_the_same_policy_is_a_conflict_but_a_new_policy_is_recorded() -> None:
    book = ledger()
    book.grant(purpose="benefits", policy_version="v1", actor=LEARNER, occurred_at=None)
    book = from_history(book)

    with pytest.raises(Conflict) as refused:
        book.grant(purpose="benefits", policy_version="v1", actor=LEARNER, occurred_at=None)
    assert refused.value.field == "purpose"

    book.grant(purpose="benefits", policy_version="v2", actor=LEARNER, occurred_at=None)
    assert only_event(book, ConsentLedger.Granted).policy_version == "v2"


def test_withdrawal_ends_the_grant() -> None:
    book = ledger()
    book.grant(purpose="activity_tracking", policy_version="v1", actor=LEARNER, occurred_at=None)
    book = from_history(book)

    book.withdraw(purpose="activity_tracking", actor=LEARNER, occurred_at=None)

    assert only_event(book, ConsentLedger.Withdrawn).purpose == "activity_tracking"
    assert not book.allows("activity_tracking")


def test_withdrawing_what_was_never_granted_is_a_conflict() -> None:
    book = from_history(ledger())
    with pytest.raises(Conflict) as refused:
        book.withdraw(purpose="profile_sharing", actor=LEARNER, occurred_at=None)
    assert refused.value.field == "purpose"
    assert new_events(book) == []


@pytest.mark.parametrize(
    ("purpose", "version", "occurred_at", "field"),
    [
        ("marketing", "v1", None, "purpose"),
        ("benefits", " ", None, "policyVersion"),
        ("benefits", "v" * 41, None, "policyVersion"),
        ("benefits", "v1", NEXT_WEEK, "occurredAt"),
    ],
)
def test_granting_rejects_bad_input(
    purpose: str, version: str, occurred_at: object, field: str
) -> None:
    book = from_history(ledger())
    with pytest.raises(ValidationFailed) as refused:
        book.grant(
            purpose=purpose,
            policy_version=version,
            actor=LEARNER,
            occurred_at=occurred_at,  # type: ignore[arg-type]
        )
    assert refused.value.field == field
    assert new_events(book) == []
