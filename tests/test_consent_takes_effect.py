"""A withdrawn consent counts for access the moment it is saved, before the consent read
model shows it; a granted one counts once the read model shows it (the safe direction)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.bootstrap import Services, build_services
from app.settings import Settings
from tests.domain_support import LEARNER, Organisation


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    # No projection thread: the read models move only when the test catches them up.
    settings = Settings(
        persistence="sqlite", sqlite_path=str(tmp_path / "consent.sqlite3"), seed_if_empty=False
    )
    built = build_services(settings, start_projections=False)
    try:
        yield built
    finally:
        built.close()


def test_a_withdrawal_counts_before_the_read_models_show_it(services: Services) -> None:
    org = Organisation(services.app)
    ada = str(org.employee_id)
    services.app.grant_consent(
        org.employee_id, purpose="profile_sharing", policy_version="v1", actor=LEARNER
    )
    services.runner.catch_up()
    assert "profile_sharing" in services.subjects.subject(ada).purposes

    services.app.withdraw_consent(org.employee_id, purpose="profile_sharing", actor=LEARNER)
    assert "profile_sharing" not in services.subjects.subject(ada).purposes  # not projected
    services.runner.catch_up()
    assert "profile_sharing" not in services.subjects.subject(ada).purposes

    # Granted again: counted once projected, and the withdrawal no longer hides it.
    services.app.grant_consent(
        org.employee_id, purpose="profile_sharing", policy_version="v2", actor=LEARNER
    )
    assert "profile_sharing" not in services.subjects.subject(ada).purposes
    services.runner.catch_up()
    assert "profile_sharing" in services.subjects.subject(ada).purposes
