"""Nearest-neighbour votes: the closest examples decide, weights count, rows are distributions."""

from __future__ import annotations

import numpy as np

from feedback.routing.neighbours import NeighbourVotes

NAMES = ["A", "B", "C"]
VECTORS = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])


def test_nearest_examples_win_and_rows_sum_to_one() -> None:
    votes = NeighbourVotes(k=2).fit(VECTORS, ["A", "A", "B", "B"], NAMES)
    scores = votes.scores(np.array([[2.0, 0.1], [0.05, 3.0]]))  # lengths do not matter (cosine)
    assert [NAMES[i] for i in scores.argmax(axis=1)] == ["A", "B"]
    assert np.allclose(scores.sum(axis=1), 1.0)
    assert np.all(scores[:, 2] == 0.0)  # no example of C among the neighbours


def test_closer_neighbour_counts_more_than_a_farther_one() -> None:
    votes = NeighbourVotes(k=2, sharpness=10.0).fit(VECTORS[[0, 2]], ["A", "B"], NAMES)
    scores = votes.scores(np.array([[0.8, 0.6]]))  # nearer to A's example than to B's
    assert scores[0, 0] > scores[0, 1] > 0.0


def test_example_weights_scale_the_votes() -> None:
    query = np.array([[0.7, 0.7]])  # equally close to both examples
    plain = NeighbourVotes(k=2).fit(VECTORS[[0, 2]], ["A", "B"], NAMES).scores(query)
    weighted = NeighbourVotes(k=2).fit(VECTORS[[0, 2]], ["A", "B"], NAMES, [1.0, 3.0])
    assert np.isclose(plain[0, 0], plain[0, 1])
    assert np.isclose(weighted.scores(query)[0, 1], 0.75)


def test_k_larger_than_the_examples_and_no_examples() -> None:
    few = NeighbourVotes(k=10).fit(VECTORS[:1], ["C"], NAMES)
    assert few.scores(np.array([[0.0, 1.0]]))[0].tolist() == [0.0, 0.0, 1.0]
    empty = NeighbourVotes().fit(np.zeros((0, 2)), [], NAMES)
    assert np.allclose(empty.scores(np.array([[1.0, 0.0]])), 1 / 3)
