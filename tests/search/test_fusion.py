import pytest

from search.fusion import min_max, ranked, reciprocal_rank_fusion, score_fusion


def test_rrf_rewards_agreement() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "a", "d"]], k=60)
    assert ranked(fused)[:2] in (["a", "b"], ["b", "a"])
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["d"] == pytest.approx(1 / 63)


def test_rrf_weights_tip_the_balance() -> None:
    fused = reciprocal_rank_fusion([["a", "b"], ["b", "a"]], weights=[1.0, 0.2], k=1)
    assert ranked(fused)[0] == "a"


def test_min_max_and_score_fusion() -> None:
    assert min_max({"a": 2.0, "b": 4.0}) == {"a": 0.0, "b": 1.0}
    assert min_max({"a": 3.0}) == {"a": 1.0}
    assert min_max({}) == {}
    fused = score_fusion([{"a": 10.0, "b": 0.0}, {"a": 0.1, "b": 0.9}], [1.0, 2.0])
    assert fused == pytest.approx({"a": 1.0, "b": 2.0})


def test_ranked_is_deterministic_on_ties() -> None:
    assert ranked({"b": 1.0, "a": 1.0, "c": 2.0}) == ["c", "a", "b"]


def test_calibrate_puts_the_threshold_in_the_gap() -> None:
    from search.evaluation import calibrate, rejection

    in_domain = [0.5, 0.6, 0.7, 0.8]
    ood = [0.1, 0.2, 0.3]
    t = calibrate(in_domain, ood)
    assert 0.3 < t < 0.5
    assert rejection(ood, t) == 1.0 and rejection(in_domain, t) == 0.0
