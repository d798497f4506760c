"""Ranking metrics, scorers and the per-user hold-out splitter."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skneuro.recommend import (
    ItemKNNRecommender,
    catalog_coverage,
    hit_rate_at_k,
    make_recommendation_scorer,
    map_at_k,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    train_test_split_interactions,
)

# three users, six items; user 2 has nothing relevant and is skipped
Y_TRUE = np.array(
    [
        [1, 0, 1, 0, 0, 1],
        [0, 0, 0, 1, 0, 0],
        [0, 0, 0, 0, 0, 0],
    ]
)
RECOMMENDED = [[2, 4, 0, 3], [1, 3], [0, 1, 2]]


def reference_metrics(y_true, recommended, k):
    """Per-user metrics written out one by one, averaged over users with
    something relevant."""
    rows = {"precision": [], "recall": [], "hit": [], "map": [], "ndcg": []}
    for truth, ranking in zip(y_true, recommended):
        relevant = set(np.flatnonzero(truth))
        if not relevant:
            continue
        top = list(ranking)[:k]
        hits = [item in relevant for item in top] + [False] * (k - len(top))
        rows["precision"].append(sum(hits) / k)
        rows["recall"].append(sum(hits) / len(relevant))
        rows["hit"].append(float(any(hits)))
        precisions = [sum(hits[: r + 1]) / (r + 1) for r in range(k) if hits[r]]
        rows["map"].append(sum(precisions) / min(k, len(relevant)))
        dcg = sum(1 / np.log2(r + 2) for r in range(k) if hits[r])
        ideal = sum(1 / np.log2(r + 2) for r in range(min(k, len(relevant))))
        rows["ndcg"].append(dcg / ideal)
    return {name: float(np.mean(values)) for name, values in rows.items()}


FUNCTIONS = {
    "precision": precision_at_k,
    "recall": recall_at_k,
    "hit": hit_rate_at_k,
    "map": map_at_k,
    "ndcg": ndcg_at_k,
}


@pytest.mark.parametrize("k", [1, 2, 3, 5])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_metrics_match_their_definition(name, k):
    expected = reference_metrics(Y_TRUE, RECOMMENDED, k)[name]
    assert FUNCTIONS[name](Y_TRUE, RECOMMENDED, k=k) == pytest.approx(expected)
    # sparse truth and padded 2-D rankings give the same
    padded = np.full((3, 4), -1)
    for u, row in enumerate(RECOMMENDED):
        padded[u, : len(row)] = row
    assert FUNCTIONS[name](sp.csr_array(Y_TRUE), padded, k=k) == pytest.approx(expected)


def test_hand_computed_values():
    # user 0: hits at ranks 1 and 3 of k=3, 3 relevant; user 1: hit at rank 2
    assert precision_at_k(Y_TRUE, RECOMMENDED, k=3) == pytest.approx(
        (2 / 3 + 1 / 3) / 2
    )
    assert recall_at_k(Y_TRUE, RECOMMENDED, k=3) == pytest.approx((2 / 3 + 1) / 2)
    assert hit_rate_at_k(Y_TRUE, RECOMMENDED, k=1) == pytest.approx(0.5)
    assert map_at_k(Y_TRUE, RECOMMENDED, k=3) == pytest.approx(
        ((1 + 2 / 3) / 3 + (1 / 2) / 1) / 2
    )
    ideal0 = 1 + 1 / np.log2(3) + 1 / np.log2(4)
    assert ndcg_at_k(Y_TRUE, RECOMMENDED, k=3) == pytest.approx(
        ((1 + 1 / np.log2(4)) / ideal0 + (1 / np.log2(3)) / 1) / 2
    )
    # perfect and empty rankings
    assert ndcg_at_k(Y_TRUE[:2], [[0, 2, 5], [3]], k=3) == pytest.approx(1.0)
    assert ndcg_at_k(Y_TRUE[:2], [[], []], k=3) == 0.0


def test_metric_errors():
    with pytest.raises(ValueError, match="users"):
        ndcg_at_k(Y_TRUE, RECOMMENDED[:2])
    with pytest.raises(ValueError, match="item index 9"):
        precision_at_k(Y_TRUE, [[9], [], []])
    with pytest.raises(ValueError, match="no relevant item"):
        recall_at_k(np.zeros((2, 3)), [[0], [1]])
    with pytest.raises(ValueError, match="'k' parameter"):
        ndcg_at_k(Y_TRUE, RECOMMENDED, k=0)


def _snapshot(matrix):
    return [a.copy() for a in (matrix.data, matrix.indices, matrix.indptr)]


def _messy_truth():
    """Y_TRUE as CSR with an explicit zero, a duplicate and unsorted rows."""
    # user 0: items 5, 0, 2 unsorted, an explicit zero at 1 and item 2 stored
    # twice (1 + 1: relevant); user 1: item 4 stored as 1 and -1 (the sum is
    # zero: not relevant) and item 3; user 2: an explicit zero only
    data = np.array([1.0, 1.0, 0.0, 1.0, 1.0, 1.0, -1.0, 1.0, 0.0])
    indices = np.array([5, 0, 1, 2, 2, 4, 4, 3, 0], dtype=np.int32)
    indptr = np.array([0, 5, 8, 9], dtype=np.int32)
    return sp.csr_array((data, indices, indptr), shape=Y_TRUE.shape)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_metrics_never_modify_y_true(name):
    messy = _messy_truth()
    assert not messy.has_canonical_format
    # as a matrix: duplicates summed, zeros (explicit or summed) not relevant
    assert_array_equal(messy.toarray() != 0, Y_TRUE != 0)
    expected = reference_metrics(Y_TRUE, RECOMMENDED, 3)[name]
    for container in (sp.csr_array, sp.csr_matrix):
        y_true = container(messy, copy=True)
        before = _snapshot(y_true)
        assert FUNCTIONS[name](y_true, RECOMMENDED, k=3) == pytest.approx(expected)
        for array, original in zip(_snapshot(y_true), before):
            assert_array_equal(array, original)
        assert y_true.nnz == messy.nnz
    # read-only arrays, canonical or not: nothing is written to them
    for y_true in (sp.csr_array(Y_TRUE), _messy_truth()):
        for array in (y_true.data, y_true.indices, y_true.indptr):
            array.setflags(write=False)
        assert FUNCTIONS[name](y_true, RECOMMENDED, k=3) == pytest.approx(expected)
    dense = Y_TRUE.copy()
    dense.setflags(write=False)
    assert FUNCTIONS[name](dense, RECOMMENDED, k=3) == pytest.approx(expected)
    assert_array_equal(dense, Y_TRUE)


def test_metrics_do_not_modify_the_movielens_hold_out(movielens_positives):
    X_train, X_test, _ = movielens_positives
    y_true = X_test.copy()
    y_true.data[::7] = 0.0  # explicit zeros: hidden but not relevant
    before = _snapshot(y_true)
    relevant = sp.csr_array(y_true.toarray())
    recommended = np.random.default_rng(0).permuted(
        np.tile(np.arange(X_test.shape[1]), (X_test.shape[0], 1)), axis=1
    )[:, :10]
    for function in FUNCTIONS.values():
        assert function(y_true, recommended) == function(relevant, recommended)
    for array, original in zip(_snapshot(y_true), before):
        assert_array_equal(array, original)


@pytest.mark.parametrize(
    "recommended, error, message",
    [
        ([2, 4], ValueError, "one ranking per user"),  # 1-D: one user, unwrapped
        (np.array([2, 4, 0]), ValueError, "one ranking per user"),
        (np.zeros((3, 2, 2), dtype=int), ValueError, "one ranking per user"),
        ([[[2]], [1], [0]], ValueError, "one ranking per user"),
        ([[2.0, 4.0], [1.0], []], TypeError, "integer item"),
        (np.array([[2.7, 4.2]] * 3), TypeError, "integer item"),
        ([["a", "b"], [], []], TypeError, "integer item"),
        ([[True], [False], []], TypeError, "integer item"),
        ([[2, -2], [1], []], ValueError, "item index -2"),
        ([[0, 2, 0], [3], []], ValueError, "item 0 more than once for user 0"),
        (np.array([[2, 4], [3, 3], [0, 1]]), ValueError, "item 3 more than once"),
        ([[9], [], []], ValueError, "item index 9"),
    ],
)
@pytest.mark.parametrize("name", ["precision", "ndcg"])
def test_recommended_is_validated(name, recommended, error, message):
    with pytest.raises(error, match=message):
        FUNCTIONS[name](Y_TRUE, recommended, k=3)


def test_repeats_and_padding_beyond_k_or_empty_are_fine():
    # a repeat after the cut-off is not read; -1 pads; empty rows are misses
    assert precision_at_k(Y_TRUE, [[2, 0, 5, 5], [-1, 3], []], k=3) == 1 / 2 + 1 / 6
    assert ndcg_at_k(Y_TRUE[:2], np.array([[0, -1, -1], [3, -1, -1]]), k=3) > 0


@pytest.mark.parametrize("sparse", [False, True])
def test_nan_in_y_true_is_refused(sparse):
    y_true = np.array([[np.nan, 1.0], [1.0, 0.0]])
    y_true = sp.csr_array(y_true) if sparse else y_true
    with pytest.raises(ValueError, match="y_true contains NaN"):
        precision_at_k(y_true, [[1], [0]], k=1)


def test_catalog_coverage():
    assert catalog_coverage(RECOMMENDED, n_items=6, k=2) == pytest.approx(5 / 6)
    assert catalog_coverage([[-1, -1]], n_items=3) == 0.0
    with pytest.raises(ValueError, match="n_items"):
        catalog_coverage([[5]], n_items=3)


@pytest.mark.parametrize("metric", ["ndcg", "precision", "recall", "hit_rate", "map"])
def test_scorer_hides_recommends_and_evaluates(implicit_matrix, metric):
    model = ItemKNNRecommender(k=5).fit(implicit_matrix[:40])
    users = implicit_matrix[40:]
    scorer = make_recommendation_scorer(metric, k=4, test_size=0.3, random_state=2)
    X_train, X_test = train_test_split_interactions(
        users, test_size=0.3, random_state=2
    )
    recommended, _ = model.recommend(X_train, n=4)
    function = {"hit_rate": hit_rate_at_k, "map": map_at_k}.get(
        metric, FUNCTIONS.get(metric)
    )
    assert scorer(model, users) == pytest.approx(function(X_test, recommended, k=4))
    assert "test_size=0.3" in repr(scorer)


def test_coverage_scorer(implicit_matrix):
    model = ItemKNNRecommender(k=5).fit(implicit_matrix)
    scorer = make_recommendation_scorer("coverage", k=3)
    X_train, _ = train_test_split_interactions(
        implicit_matrix, test_size=0.2, random_state=0
    )
    recommended, _ = model.recommend(X_train, n=3)
    assert scorer(model, implicit_matrix) == pytest.approx(
        catalog_coverage(recommended, 25, k=3)
    )


def test_scorers_drive_model_selection(implicit_matrix):
    scores = cross_val_score(
        ItemKNNRecommender(k=5),
        implicit_matrix,
        cv=3,
        scoring=make_recommendation_scorer("recall", k=5),
    )
    assert scores.shape == (3,) and ((0 <= scores) & (scores <= 1)).all()
    search = GridSearchCV(
        ItemKNNRecommender(),
        {"k": [2, 8]},
        cv=3,
        scoring={
            "ndcg": make_recommendation_scorer("ndcg"),
            "coverage": make_recommendation_scorer("coverage"),
        },
        refit="ndcg",
    ).fit(implicit_matrix)
    assert np.isfinite(search.cv_results_["mean_test_coverage"]).all()
    assert search.best_params_["k"] in (2, 8)


def test_scorers_accept_a_pipeline_ending_in_the_recommender(implicit_matrix):
    cv = KFold(3, shuffle=True, random_state=0)
    identity = make_pipeline(FunctionTransformer(), ItemKNNRecommender(k=5))
    for metric in ("recall", "ndcg", "coverage"):
        scorer = make_recommendation_scorer(metric, k=3)
        fitted = clone(identity).fit(implicit_matrix)
        bare = ItemKNNRecommender(k=5).fit(implicit_matrix)
        assert scorer(fitted, implicit_matrix) == scorer(bare, implicit_matrix)
        assert_allclose(
            cross_val_score(identity, implicit_matrix, cv=cv, scoring=scorer),
            cross_val_score(
                ItemKNNRecommender(k=5), implicit_matrix, cv=cv, scoring=scorer
            ),
        )
    # the earlier steps transform X before the hold-out, as Pipeline.score
    ratings = implicit_matrix.toarray() * np.arange(1, 26) % 5
    binarise = FunctionTransformer(lambda X: (X >= 3).astype(float))
    pipeline = make_pipeline(binarise, ItemKNNRecommender(k=5)).fit(ratings)
    liked = (ratings >= 3).astype(float)
    scorer = make_recommendation_scorer("recall", k=3)
    expected = scorer(ItemKNNRecommender(k=5).fit(liked), liked)
    assert scorer(pipeline, ratings) == expected
    # nested pipelines and passthrough steps too
    nested = make_pipeline(
        "passthrough", make_pipeline(binarise, ItemKNNRecommender(k=5))
    )
    assert scorer(nested.fit(ratings), ratings) == expected
    with pytest.raises(TypeError, match="ItemKNNRecommender"):
        scorer(make_pipeline(FunctionTransformer()).fit(ratings), ratings)


def test_grid_search_over_a_pipeline_with_a_recommendation_scorer(implicit_matrix):
    cv = KFold(3, shuffle=True, random_state=0)
    scoring = make_recommendation_scorer("recall", k=3)
    search = GridSearchCV(
        make_pipeline(FunctionTransformer(), ItemKNNRecommender()),
        {"itemknnrecommender__k": [2, 8]},
        cv=cv,
        scoring=scoring,
        error_score="raise",
    ).fit(implicit_matrix)
    bare = GridSearchCV(
        ItemKNNRecommender(), {"k": [2, 8]}, cv=cv, scoring=scoring
    ).fit(implicit_matrix)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all() and (scores > 0).all()
    assert_array_equal(scores, bare.cv_results_["mean_test_score"])


def test_bad_scorer_arguments():
    with pytest.raises(ValueError, match="'metric' parameter"):
        make_recommendation_scorer("auc")
    with pytest.raises(ValueError, match="'test_size' parameter"):
        make_recommendation_scorer(test_size=1.0)


# --------------------------------------------------------------- splitter


def test_split_hides_a_fraction_of_each_user(ratings_matrix):
    X_train, X_test = train_test_split_interactions(
        ratings_matrix, test_size=0.25, random_state=0
    )
    assert isinstance(X_train, sp.csr_array) and isinstance(X_test, sp.csr_array)
    assert_allclose((X_train + X_test).toarray(), ratings_matrix.toarray())
    assert (X_train.multiply(X_test)).nnz == 0  # disjoint
    n_u = np.diff(ratings_matrix.indptr)
    expected = np.minimum(np.maximum(1, np.rint(0.25 * n_u)), np.maximum(n_u - 1, 0))
    assert_array_equal(np.diff(X_test.indptr), expected)
    again = train_test_split_interactions(
        ratings_matrix, test_size=0.25, random_state=0
    )
    assert (again[1] != X_test).nnz == 0  # deterministic with an int seed
    other = train_test_split_interactions(
        ratings_matrix, test_size=0.25, random_state=1
    )
    assert (other[1] != X_test).nnz > 0


def test_split_keeps_min_train_and_empty_users():
    X = np.array([[1, 1, 1, 1], [0, 0, 0, 0], [0, 2, 0, 0], [3, 0, 4, 0]])
    X_train, X_test = train_test_split_interactions(
        X, test_size=0.5, random_state=0, min_train=2
    )
    assert isinstance(X_train, np.ndarray)
    assert_array_equal((X_test != 0).sum(axis=1), [2, 0, 0, 0])
    assert_array_equal((X_train != 0).sum(axis=1), [2, 0, 1, 2])
    assert_array_equal(X_train + X_test, X)


def test_split_keeps_the_container():
    frame = pd.DataFrame(
        np.eye(4) + np.eye(4, k=1), columns=list("abcd"), index=list("wxyz")
    )
    X_train, X_test = train_test_split_interactions(frame, random_state=0)
    assert list(X_train.columns) == list("abcd")
    assert list(X_test.index) == list("wxyz")
    assert isinstance(
        train_test_split_interactions(sp.csr_matrix(frame.to_numpy()))[0],
        sp.csr_matrix,
    )
    with pytest.raises(ValueError, match="'test_size' parameter"):
        train_test_split_interactions(frame, test_size=0.0)


def test_split_validates_sparse_input_like_dense_and_never_modifies_it():
    nan = np.array([[np.nan, 1.0], [1.0, 0.0]])
    for X in (nan, sp.csr_array(nan), sp.coo_matrix(nan)):
        with pytest.raises(ValueError, match="NaN"):
            train_test_split_interactions(X)
    # a pair stored twice: one copy could be hidden, the other kept
    coo = sp.coo_array((np.ones(2), ([0, 0], [1, 1])), shape=(1, 3))
    csr = sp.csr_array((np.ones(2), np.array([1, 1]), np.array([0, 2])), shape=(1, 3))
    for X in (coo, csr):
        with pytest.raises(ValueError, match="more than once"):
            train_test_split_interactions(X)
    # read-only and non-canonical (explicit zero, unsorted) input is copied
    X = sp.csr_array(
        (np.array([1.0, 0.0, 2.0, 3.0]), np.array([2, 0, 1, 1]), np.array([0, 3, 4])),
        shape=(2, 3),
    )
    before = _snapshot(X)
    for array in (X.data, X.indices, X.indptr):
        array.setflags(write=False)
    X_train, X_test = train_test_split_interactions(X, random_state=0)
    assert_array_equal((X_train + X_test).toarray(), X.toarray())
    assert X_train.nnz + X_test.nnz == 3  # the explicit zero is no interaction
    for array, original in zip(_snapshot(X), before):
        assert_array_equal(array, original)
