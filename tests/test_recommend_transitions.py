"""The transitions signal in the product: trained from first touches, kept with the model,
and served as a reason naming where people went next."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from app.aggregates import SYSTEM
from app.recommend import reasons
from app.recommend.forgetting import without_subjects
from app.recommend.model import FitParameters, HybridModel
from app.recommend.recency import TRANSITIONS
from tests.recommend_org import Org, analysts_and_engineers, memory_services

TRAINED = FitParameters(components=8, epochs=10, threads=1)


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    services = memory_services(tmp_path)
    try:
        built = analysts_and_engineers(services, people=10)
        built.train(TRAINED)
        yield built
    finally:
        services.close()


def served_model(org: Org) -> HybridModel:
    served = org.services.recommender.served()
    assert served is not None
    return served.model


def test_a_trained_version_carries_transitions_between_the_modules_people_started(
    org: Org, tmp_path: Path
) -> None:
    model = served_model(org)
    assert model.transitions is not None
    n = len(model.item_ids)
    assert model.transitions.shape == (n, n)
    # Everyone completed three modules of their role's skills: some followed others.
    assert model.transitions.nnz > 0 and model.transition_top > 0
    folder = tmp_path / "copy"
    folder.mkdir()
    digest = model.save(folder)
    loaded = HybridModel.load(folder, digest)
    assert loaded.transitions is not None
    assert (loaded.transitions != model.transitions.astype(np.float32)).nnz == 0
    assert loaded.transition_half_life == model.transition_half_life
    assert loaded.transition_top == pytest.approx(model.transition_top)


def test_the_transition_row_follows_on_from_what_was_started_lately() -> None:
    items = ["a", "b", "c"]
    # a -> b, c -> a.
    transitions = sp.csr_matrix(np.array([[0, 1, 0], [0, 0, 0], [1, 0, 0]], dtype=float))
    model = HybridModel(
        user_vocabulary=None, item_vocabulary=None,  # type: ignore[arg-type]
        user_embeddings=np.zeros((1, 1)), user_biases=np.zeros(1),
        item_embeddings=np.zeros((1, 1)), item_biases=np.zeros(1),
        taken=sp.csr_matrix((1, 3)), item_ids=items, user_ids=["u"], user_roles=["r"],
        transitions=transitions, transition_half_life=2.0,
    )  # fmt: skip
    # Started a yesterday-ish (1 day ago) and c long ago; "x" is not known to the model.
    row = model.transition_row([("c", 80.0), ("a", 99.0), ("x", 99.0)], now_days=100.0)
    assert row[1] == pytest.approx(0.5**0.5)  # from a, 1 day old
    assert row[0] == pytest.approx(0.5**10)  # from c, 20 days old
    assert row[2] == 0.0
    assert not model.transition_row([], 100.0).any()


def test_where_people_went_next_is_shown_as_the_reason_when_it_drives_the_score(
    org: Org,
) -> None:
    employee = org.hire("analyst")
    org.complete(employee, "sql-1")
    org.settle()
    model = served_model(org)
    source = model.item_ids.index(str(org.modules["sql-1"]))
    target = model.item_ids.index(str(org.modules["python-4"]))
    n = len(model.item_ids)
    model.transitions = sp.csr_matrix(([1.0], ([source], [target])), shape=(n, n))
    model.transition_top = 1.0
    model.blend[TRANSITIONS] = 8.0
    served = org.services.recommender.recommend(employee, first=5, goal=None, actor=SYSTEM)
    items = {item.module_id: item for item in served.ranking.items}
    item = items.get(str(org.modules["python-4"]))
    assert item is not None, "the module people went on to is recommended"
    assert item.reasons[0].kind == reasons.NEXT_STEP
    assert item.reasons[0].share is not None and item.reasons[0].share > 0.5
    # Without the weight, the same module is neither first nor explained that way.
    model.blend[TRANSITIONS] = 0.0
    again = org.services.recommender.recommend(employee, first=5, goal=None, actor=SYSTEM)
    assert all(r.kind != reasons.NEXT_STEP for item in again.ranking.items for r in item.reasons)


def test_without_personalisation_consent_nothing_one_started_is_followed_on_from(
    org: Org,
) -> None:
    employee = org.hire("analyst", consent=False)
    org.complete(employee, "sql-1")
    org.settle()
    assert org.services.recommender.learner(employee).started == ()
    consenting = org.hire("analyst")
    org.complete(consenting, "sql-1")
    org.settle()
    started = org.services.recommender.learner(consenting).started
    assert [m for m, _ in started] == [str(org.modules["sql-1"])]


def test_a_served_copy_without_an_erased_subject_drops_the_transitions(org: Org) -> None:
    model = served_model(org)
    assert model.transitions is not None
    copy = without_subjects(model, {model.user_ids[0]})
    # Transitions count everyone's first touches, the erased subject's too.
    assert copy.transitions is None
    assert not copy.transition_row([(model.item_ids[0], 0.0)], 1.0).any()
