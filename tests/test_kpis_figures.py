"""KPI formulas, windows, suppression, sentiment and revision rules: pure functions, no I/O."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.kpis import figures as f
from app.kpis import revision, windows
from app.kpis.sentiment import SentimentScorer, covered

TODAY = date(2026, 5, 20)


def test_last_30_days_ends_today_and_includes_thirty_days() -> None:
    window = windows.build("last_30_days", TODAY)
    assert (window.start, window.end, window.days) == (date(2026, 4, 21), TODAY, 30)


def test_quarter_defaults_to_the_current_one_and_covers_whole_months() -> None:
    window = windows.build("quarter", TODAY)
    assert (window.start, window.end, window.label) == (
        date(2026, 4, 1),
        date(2026, 6, 30),
        "2026-Q2",
    )
    assert windows.quarter("2025-q4").end == date(2025, 12, 31)


@pytest.mark.parametrize(
    ("kind", "args", "field"),
    [
        ("quarter", {"quarter_name": "2026-Q5"}, "quarter"),
        ("custom", {"start": None, "end": TODAY}, "from"),
        ("custom", {"start": TODAY, "end": TODAY - timedelta(days=1)}, "to"),
        ("custom", {"start": TODAY - timedelta(days=2000), "end": TODAY}, "to"),
    ],
)
def test_bad_windows_name_the_field_at_fault(kind: str, args: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(windows.WindowError) as raised:
        windows.build(kind, TODAY, **args)
    assert raised.value.field == field


def test_enps_is_promoters_minus_detractors_in_percent() -> None:
    figure = f.enps([10, 9, 8, 7, 6, 0], people=6)
    assert figure.value == pytest.approx(100 * (2 - 2) / 6)
    assert f.enps([10, 10, 9, 3], people=4).value == pytest.approx(50.0)


def test_median_of_an_even_count_is_the_mean_of_the_middle_pair() -> None:
    assert f.median([12, 3, 7, 20]) == pytest.approx(9.5)
    assert f.median([]) is None


def test_roi_is_net_benefit_over_cost_and_undefined_without_cost() -> None:
    assert f.roi_percent(benefit=15_000, cost=10_000).value == pytest.approx(50.0)
    assert f.roi_percent(benefit=5_000, cost=0).value is None


def test_figure_resting_on_fewer_than_k_people_is_suppressed_without_its_numbers() -> None:
    shown = f.suppress(f.ratio(3, 4, people=5), 5)
    hidden = f.suppress(f.ratio(3, 4, people=4), 5)
    assert shown is not None and shown.value == pytest.approx(0.75) and not shown.suppressed
    assert hidden == f.Figure(None, None, None, None, suppressed=True)


def test_drop_off_distribution_counts_every_bucket_up_to_the_last_drop() -> None:
    buckets = f.distribution([1.0, 2.5, 12.0, 13.0, 14.9], width=5)
    assert [(b.start, b.count) for b in buckets] == [(0, 2), (5, 0), (10, 3)]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Great module, very useful", "en"),
        ("Rigtig godt kursus, meget lærerigt", "da"),
        ("Veldig bra kurs, nyttig", "nb"),
    ],
)
def test_praise_scores_positive_in_english_danish_and_norwegian(text: str, language: str) -> None:
    score = SentimentScorer().score(text, language)
    assert score is not None and score > 0.3


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Not good at all, far too long and boring", "en"),
        ("Kedeligt og dårligt", "da"),
        ("Kjedelig og dårlig", "nb"),
    ],
)
def test_complaints_score_negative_including_negated_praise(text: str, language: str) -> None:
    score = SentimentScorer().score(text, language)
    assert score is not None and score < -0.3


def test_languages_without_a_lexicon_are_not_scored() -> None:
    assert SentimentScorer().score("Bardzo zły kurs", "pl") is None
    assert not covered("pl") and covered("nn") and covered("de")
    assert SentimentScorer().score("   ", "en") is None


def _feedback(days_ago: int, rating: int, sentiment: float | None = None) -> revision.Feedback:
    return revision.Feedback(TODAY - timedelta(days=days_ago), rating, sentiment)


def test_falling_rating_is_a_finding_with_recent_and_earlier_averages() -> None:
    earlier = [_feedback(60 + i, 5) for i in range(5)]
    recent = [_feedback(i, 3) for i in range(5)]
    found = revision.findings(earlier + recent, [], 60, TODAY)
    assert [x.rule for x in found] == ["rating_fell"]
    assert found[0].figures["recent"] == 3 and found[0].figures["earlier"] == 5
    assert revision.rule_of(found[0].reason) == "rating_fell"


def test_a_few_bad_ratings_are_not_a_trend() -> None:
    few = [_feedback(i, 1) for i in range(revision.MIN_SAMPLE - 1)]
    assert revision.findings(few, [], 60, TODAY) == []


def test_negative_recent_sentiment_is_a_finding() -> None:
    found = revision.findings([_feedback(i, 4, -0.6) for i in range(5)], [], 60, TODAY)
    assert [x.rule for x in found] == ["sentiment_fell"]


def test_drops_in_the_first_quarter_of_a_module_flag_early_drop_off() -> None:
    drops = [revision.Drop(TODAY - timedelta(days=i), 8.0 + i) for i in range(5)]
    found = revision.findings([], drops, 60, TODAY)
    assert [x.rule for x in found] == ["early_drop_off"]
    assert found[0].figures["medianDropMinutes"] == 10.0
    late = [revision.Drop(TODAY, 40.0 + i) for i in range(5)]
    assert revision.findings([], late, 60, TODAY) == []


def test_flags_set_by_hand_belong_to_no_rule() -> None:
    assert revision.rule_of("outdated screenshots") is None
