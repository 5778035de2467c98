"""Reasons and fits of one ranked item, from what its score is made of.

Ranking hands over the pieces of the score it computed (the model's spread, the rule
bonuses that applied); this module splits the score into drivers
(app/recommend/drivers.py), turns the largest into reasons with their shares, and adds the
constraints the item passed as fits.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.projections.features import ModuleFeatures
from app.recommend import drivers, reasons
from app.recommend.drivers import Driver, Key
from app.recommend.model import HybridModel
from app.recommend.reasons import Reason
from app.recommend.vocabulary import Bag


@dataclass(frozen=True)
class ScoreBasis:
    """How a learner's scores were made, shared by every item of their list."""

    personalised: bool
    #: The model and the user's feature bag (None: popularity, no model).
    model: HybridModel | None
    user_bag: Bag
    #: The model (or popularity) scores were divided by this to standardise them.
    spread: float
    #: Skill -> (current, required) the role needs more of.
    gaps: dict[str, tuple[int, int]]


def score_drivers(
    basis: ScoreBasis,
    module: ModuleFeatures,
    item_bag: Bag,
    bonuses: dict[Key, float],
    popularity: float = 0.0,
    signals: dict[Key, float] | None = None,
) -> list[Driver]:
    """Every driver of the item's final score, largest first.

    ``popularity`` is the raw popularity score when there is no model; ``bonuses`` the rule
    bonuses by driver; ``signals`` the role signals' parts (their blend weight times the
    signal over its spread). The values sum to the final score plus the learner's mean model
    score over the spread (a constant of the list, not of the item).
    """
    scaled: dict[Key, float] = {}
    if basis.model is not None:
        raw = drivers.model_terms(
            basis.model, basis.user_bag, item_bag,
            personalised=basis.personalised, item_skills=set(module.skills),
        )  # fmt: skip
        scaled = {key: value / basis.spread for key, value in raw.items()}
    else:
        scaled = {(drivers.NO_MODEL, None): popularity / basis.spread}
    return drivers.combine(scaled, signals or {}, bonuses)


def gap_skill(module: ModuleFeatures, gaps: dict[str, tuple[int, int]]) -> str | None:
    """The gap skill a module closes: the one it teaches highest, above the current level."""
    for skill in sorted(module.skills, key=lambda s: (-module.skills[s], s)):
        if skill in gaps and module.skills[skill] > gaps[skill][0]:
            return skill
    return None


def reason_for(
    driver: Driver,
    basis: ScoreBasis,
    peers_took: tuple[str, str] | None,
) -> Reason:
    """The sentence and fields of one driver; ``peers_took`` (title, id) names a module of
    the learner's that role peers took with this one, for the ``history`` driver."""
    kind, detail = driver.kind, driver.detail
    if kind in (drivers.SKILL_GAP, drivers.ROLE_NEEDS) and detail in basis.gaps:
        current, required = basis.gaps[detail]
        reason = (
            reasons.skill_gap(detail, current, required)
            if basis.personalised
            else reasons.role_needs(detail, required)
        )
    elif kind == drivers.GOAL and detail is not None:
        reason = reasons.goal(detail)
    elif kind == drivers.MEDIA and detail is not None:
        reason = reasons.media(detail)
    elif kind == drivers.ROLE_TOPIC and detail is not None:
        reason = reasons.role_topic(detail)
    elif kind == drivers.HISTORY:
        reason = reasons.peers_took(*peers_took) if peers_took else reasons.history()
    else:
        reason = _plain(kind)
    return reason.with_share(driver.share)


def _plain(kind: str) -> Reason:
    builders = {
        drivers.ROLE_POPULAR: reasons.role_popular,
        drivers.POPULAR: reasons.popular,
        drivers.COHORT_RECENT: reasons.cohort_recent,
        drivers.NEXT_STEP: reasons.next_step,
        drivers.NO_MODEL: reasons.no_model,
        drivers.PROFILE: reasons.profile,
    }
    return builders.get(kind, reasons.model_match)()
