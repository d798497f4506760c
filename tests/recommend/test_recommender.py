"""ItemKNNRecommender: maths against brute force, API contracts, traps."""

import pickle
import subprocess
import sys

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from skneuro.recommend import (
    ItemKNNRecommender,
    ndcg_at_k,
    train_test_split_interactions,
)


def dense_similarity(
    X,
    *,
    similarity="cosine",
    weighting=None,
    shrinkage=0.0,
    min_support=1,
    k1=1.2,
    b=0.75,
):
    """Full n_items x n_items similarity, straight from the definitions."""
    X = np.asarray(X, dtype=float)
    mask = X != 0
    n_items = X.shape[1]
    V = X.copy()
    if weighting is not None:
        iuf = np.maximum(0, np.log(n_items) - np.log1p(mask.sum(1)))[:, None]
        if weighting == "tfidf":
            V = np.sqrt(X) * iuf
        else:
            length = X.sum(0)
            norm = (1 - b) + b * length / length.mean()
            V = X * (k1 + 1) / (k1 * norm + X) * iuf
        V[~mask] = 0
    if similarity == "adjusted_cosine":
        means = V.sum(1) / np.maximum(mask.sum(1), 1)
        V = np.where(mask, V - means[:, None], 0)
    elif similarity == "pearson":
        means = V.sum(0) / np.maximum(mask.sum(0), 1)
        V = np.where(mask, V - means[None, :], 0)
    co_support = mask.T.astype(float) @ mask
    if similarity == "jaccard":
        support = mask.sum(0)
        S = co_support / (support[:, None] + support[None, :] - co_support)
    else:
        norms = np.linalg.norm(V, axis=0)
        norms[norms == 0] = 1
        S = (V.T @ V) / np.outer(norms, norms)
    with np.errstate(invalid="ignore"):  # 0 / 0 without shrinkage
        S = S * co_support / (co_support + shrinkage)
    S[co_support < min_support] = 0
    np.fill_diagonal(S, 0)
    return np.nan_to_num(S)


def top_k_rows(S, k):
    """Keep each row's k largest positive entries (ties: smaller column)."""
    kept = np.zeros_like(S)
    for i, row in enumerate(S):
        order = np.lexsort((np.arange(row.size), -row))[:k]
        order = order[row[order] > 0]
        kept[i, order] = row[order]
    return kept


CONFIGS = [
    {},
    {"k": 3},
    {"shrinkage": 5.0},
    {"min_support": 3},
    {"weighting": "tfidf"},
    {"weighting": "bm25", "bm25_k1": 2.0, "bm25_b": 0.5, "k": 6},
    {"similarity": "jaccard", "k": 4},
    {"similarity": "adjusted_cosine", "shrinkage": 2.0},
    {"similarity": "pearson", "k": 5, "min_support": 2},
]


@pytest.mark.parametrize("params", CONFIGS, ids=str)
def test_similarity_matches_brute_force(ratings_matrix, params):
    model = ItemKNNRecommender(**{"k": 8, **params}).fit(ratings_matrix)
    brute_params = {
        key.replace("bm25_", ""): value for key, value in params.items() if key != "k"
    }
    expected = top_k_rows(
        dense_similarity(ratings_matrix.toarray(), **brute_params), model.k
    )
    assert_allclose(model.similarity_.toarray(), expected, atol=1e-12)
    assert isinstance(model.similarity_, sp.csr_array)


def test_kept_similarities_positive_diagonal_empty(ratings_matrix):
    S = ItemKNNRecommender(k=14, similarity="pearson").fit(ratings_matrix).similarity_
    assert (S.data > 0).all()
    assert not S.diagonal().any()
    # top-k is per row, so the kept matrix need not be symmetric
    S3 = ItemKNNRecommender(k=2).fit(ratings_matrix).similarity_.toarray()
    assert not np.array_equal(S3 > 0, S3.T > 0)


def test_self_never_takes_a_neighbour_slot():
    X = np.ones((5, 4))  # every item co-occurs with every other one
    model = ItemKNNRecommender(k=3).fit(X)
    S = model.similarity_.toarray()
    assert_array_equal(np.diag(S), 0)
    assert_array_equal((S > 0).sum(axis=1), [3, 3, 3, 3])
    # k beyond the catalogue is capped at the other items
    assert ItemKNNRecommender(k=50).fit(X).similarity_.nnz == 12


def test_binary_data_does_not_make_every_similarity_one(implicit_matrix):
    S = ItemKNNRecommender(k=24).fit(implicit_matrix).similarity_
    assert S.data.max() < 1.0
    assert np.unique(S.data.round(6)).size > 10
    with pytest.warns(UserWarning, match="centred value is zero"):
        pearson = ItemKNNRecommender(similarity="pearson").fit(implicit_matrix)
    assert pearson.similarity_.nnz == 0


def dense_recommend(scores, seen, n):
    """Reference top-n: score desc, unseen only (no tie in the data used)."""
    scores = np.where(seen, -np.inf, scores)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :n]
    return order, np.take_along_axis(scores, order, axis=1)


def test_recommend_matches_dense_scores(ratings_matrix):
    model = ItemKNNRecommender(k=5).fit(ratings_matrix)
    dense = ratings_matrix.toarray()
    scores = dense @ model.similarity_.toarray()
    assert_allclose(model.transform(ratings_matrix), scores)
    items, got = model.recommend(ratings_matrix, n=4)
    for u in range(dense.shape[0]):
        unseen = np.flatnonzero(dense[u] == 0)
        assert set(items[u]) <= set(unseen)
        assert_allclose(got[u], scores[u, items[u]])
        assert (np.diff(got[u]) <= 0).all()
        best_unseen = np.sort(scores[u, unseen])[::-1][:4]
        assert_allclose(got[u], best_unseen)


def test_exclude_seen_is_a_hard_filter():
    X = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1], [0, 1, 0, 1, 1]])
    model = ItemKNNRecommender().fit(X)
    items, scores = model.recommend(X[:1], n=10)
    assert_array_equal(np.sort(items[0]), [3, 4])  # fewer than n, never seen
    items, _ = model.recommend(X[:1], n=10, exclude_seen=False)
    assert_array_equal(np.sort(items[0]), [0, 1, 2, 3, 4])  # n capped at 5
    everything = model.recommend([[1, 1, 1, 1, 1]], n=3)
    assert everything[0][0].size == 0 and everything[1][0].size == 0


def test_user_without_interactions_gets_popular_items_with_zero_score():
    X = np.array([[1, 1, 0, 0], [1, 0, 0, 1], [1, 1, 0, 0], [0, 0, 1, 0]])
    model = ItemKNNRecommender().fit(X)
    items, scores = model.recommend(np.zeros((1, 4)), n=3)
    assert_array_equal(items[0], [0, 1, 2])  # popularity 3, 2, then tie 1-1
    assert_array_equal(scores[0], [0.0, 0.0, 0.0])
    # a user whose items have too few neighbours is topped up the same way
    items, scores = model.recommend([[0, 0, 1, 0]], n=3)
    assert_array_equal(items[0], [0, 1, 3])
    assert np.isfinite(scores[0]).all() and (items[0] >= 0).all()


def test_recommend_restricted_to_items():
    X = np.eye(4) + np.eye(4, k=1)
    model = ItemKNNRecommender().fit(X)
    items, _ = model.recommend(X[:2], n=5, items=[3, 2])
    assert all(set(row) <= {2, 3} for row in items)
    with pytest.raises(ValueError, match=r"Unknown item label\(s\) \[7\]"):
        model.recommend(X[:1], items=[7])
    # a lone label is a list of one; numpy integers are integers
    only, _ = model.recommend(X[:2], n=5, items=np.int64(3))
    assert [row.tolist() for row in only] == [[3], [3]]


def test_duplicate_pairs_are_rejected_not_summed():
    coo = sp.coo_array(([1.0, 1.0, 1.0], ([0, 0, 1], [1, 1, 0])), shape=(2, 3))
    with pytest.raises(ValueError, match="more than once"):
        ItemKNNRecommender().fit(coo)
    csr = sp.csr_matrix(
        (np.ones(3), np.array([1, 1, 0]), np.array([0, 2, 3])), shape=(2, 3)
    )
    with pytest.raises(ValueError, match="more than once"):
        ItemKNNRecommender().fit(csr)


def test_int_bool_and_csr_array_inputs_match_float(implicit_matrix):
    reference = ItemKNNRecommender(k=4).fit(implicit_matrix.toarray())
    dense = implicit_matrix.toarray()
    for X in (
        dense.astype(np.int64),
        dense.astype(bool),
        sp.csr_array(dense.astype(np.int64)),
        sp.csr_array(dense.astype(bool)),
    ):
        model = ItemKNNRecommender(k=4).fit(X)
        assert_allclose(model.similarity_.toarray(), reference.similarity_.toarray())
        assert_allclose(model.transform(X), reference.transform(dense))


@pytest.mark.parametrize(
    "container",
    [
        sp.csr_matrix,
        sp.csr_array,
        sp.csc_matrix,
        sp.csc_array,
        sp.coo_matrix,
        sp.coo_array,
    ],
)
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_every_sparse_format_matches_dense(ratings_matrix, container, index_dtype):
    dense = ratings_matrix.toarray()
    X = container(dense)
    if X.format == "coo":
        X.row, X.col = X.row.astype(index_dtype), X.col.astype(index_dtype)
    else:
        X.indices, X.indptr = (
            X.indices.astype(index_dtype),
            X.indptr.astype(index_dtype),
        )
    model = ItemKNNRecommender(k=4, shrinkage=1.0).fit(X)
    reference = ItemKNNRecommender(k=4, shrinkage=1.0).fit(dense)
    assert_allclose(model.similarity_.toarray(), reference.similarity_.toarray())
    assert_allclose(model.transform(X), reference.transform(dense))
    assert model.predict(X).shape == dense.shape
    assert_allclose(model.predict(X), reference.predict(dense))


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.array([[1.0, np.nan], [0.0, 1.0]]), "NaN"),
        (np.array([[1.0, np.inf], [0.0, 1.0]]), "infinity"),
        (np.array([[1.0, 2.0, 3.0]]).T, None),  # fine: one item
    ],
)
def test_non_finite_values_are_rejected(bad, message):
    if message is None:
        ItemKNNRecommender().fit(bad)
        return
    with pytest.raises(ValueError, match=message):
        ItemKNNRecommender().fit(bad)


def test_negative_values_rejected_only_where_the_method_cannot_use_them():
    X = np.array([[1.0, -1.0, 0.0], [2.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    for weighting in ("tfidf", "bm25"):
        with pytest.raises(ValueError, match="Negative values"):
            ItemKNNRecommender(weighting=weighting).fit(X)
    # cosine and the centred similarities are defined for signed values
    ItemKNNRecommender().fit(X).recommend(X)
    ItemKNNRecommender(similarity="adjusted_cosine").fit(X)


def test_bad_parameters_and_arguments(implicit_matrix):
    with pytest.raises(ValueError, match="jaccard"):
        ItemKNNRecommender(similarity="jaccard", weighting="bm25").fit(implicit_matrix)
    with pytest.raises(ValueError, match="'k' parameter"):
        ItemKNNRecommender(k=0).fit(implicit_matrix)
    model = ItemKNNRecommender().fit(implicit_matrix)
    for n in (0, -1, 2.5, 2.0, True, "3", None):
        with pytest.raises(ValueError, match="n must be a positive integer"):
            model.recommend(implicit_matrix, n=n)
        with pytest.raises(ValueError, match="n must be a positive integer"):
            model.similar_items(0, n=n)
    with pytest.raises(ValueError, match="Unknown item"):
        model.similar_items(25)
    with pytest.raises(ValueError, match="Unknown item"):
        model.similar_items("x3")
    with pytest.raises(ValueError, match="25 features"):
        model.transform(implicit_matrix[:, :24])
    with pytest.raises(ValueError, match="one user"):
        model.explain(implicit_matrix[:2], item=0)


def test_empty_rows_and_columns_are_documented_not_errors():
    X = np.array([[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 1]])
    model = ItemKNNRecommender().fit(X)
    assert model.similarity_[[1]].nnz == 0  # an unused item has no neighbours
    assert model.item_popularity_[1] == 0
    items, scores = model.recommend(X, n=4)
    assert items[1].size == 4 and not scores[1].any()  # popularity fallback


def test_inputs_are_not_modified(ratings_matrix):
    dense = ratings_matrix.toarray()
    frame = pd.DataFrame(dense, columns=[f"m{j}" for j in range(dense.shape[1])])
    coo = sp.coo_matrix(dense)
    for X in (ratings_matrix, dense, frame, coo, sp.csc_array(dense)):
        before = X.copy()
        model = ItemKNNRecommender(k=3, similarity="adjusted_cosine").fit(X)
        model.transform(X)
        model.recommend(X)
        model.predict(X)
        model.score(X)
        if isinstance(X, pd.DataFrame):
            model.explain(X.iloc[[0]], item="m0")
        else:
            model.explain(dense[0], item=0)
        if sp.issparse(X):
            assert (X != before).nnz == 0 and X.format == before.format
        elif isinstance(X, pd.DataFrame):
            pd.testing.assert_frame_equal(X, before)
        else:
            assert_array_equal(X, before)


def test_dataframe_labels_flow_through(implicit_matrix):
    titles = [f"movie {j}" for j in range(25)]
    frame = pd.DataFrame(implicit_matrix.toarray(), columns=titles)
    model = ItemKNNRecommender(k=5).fit(frame)
    assert_array_equal(model.feature_names_in_, titles)
    assert_array_equal(model.get_feature_names_out(), titles)
    items, _ = model.recommend(frame.iloc[:3], n=2)
    assert set(np.concatenate(items)) <= set(titles)
    neighbours, sims = model.similar_items("movie 4", n=3)
    position = {t: j for j, t in enumerate(titles)}
    row = model.similarity_.toarray()[4]
    assert_allclose(sims, np.sort(row)[::-1][:3])
    assert_allclose(row[[position[t] for t in neighbours]], sims)
    out = model.set_output(transform="pandas").transform(frame.iloc[:3])
    assert list(out.columns) == titles
    with pytest.raises(ValueError, match="sparse"):
        ItemKNNRecommender(dense_output=False).set_output(transform="pandas").fit(
            frame
        ).transform(frame)


def test_transform_folds_in_unseen_users(implicit_matrix):
    model = ItemKNNRecommender(k=6).fit(implicit_matrix[:40])
    new_users = implicit_matrix[40:]
    expected = new_users.toarray() @ model.similarity_.toarray()
    assert_allclose(model.transform(new_users), expected)
    sparse_model = clone(model).set_params(dense_output=False).fit(implicit_matrix[:40])
    assert sp.issparse(sparse_model.transform(new_users))
    assert_allclose(sparse_model.transform(new_users).toarray(), expected)


def test_explain_contributions_sum_to_the_score(implicit_matrix):
    model = ItemKNNRecommender(k=8).fit(implicit_matrix)
    row = implicit_matrix[[7]]
    items, scores = model.recommend(row, n=3)
    for item, score in zip(items[0], scores[0]):
        owned, contributions = model.explain(row, item)
        assert set(owned) <= set(row.indices)
        assert (np.diff(contributions) <= 0).all()
        assert_allclose(contributions.sum(), score)
    owned, contributions = model.explain(row.toarray().ravel(), items[0][0], n=1)
    assert owned.size == 1


def test_predict_is_the_mean_centred_neighbourhood_average():
    X = np.array([[5.0, 3.0, 0.0], [4.0, 0.0, 2.0], [1.0, 2.0, 4.0], [0.0, 4.0, 5.0]])
    model = ItemKNNRecommender(k=2, similarity="pearson").fit(X)
    mu = np.array([10 / 3, 3.0, 11 / 3])
    assert_allclose(model.item_means_, mu)
    S = model.similarity_.toarray()
    user = np.array([[5.0, 0.0, 4.0]])
    expected = mu.copy()
    for j in range(3):
        rated = [i for i in (0, 2) if S[i, j] != 0]  # neighbours i of target j
        if rated:
            weights = np.array([S[i, j] for i in rated])
            expected[j] += (
                weights @ (user[0, rated] - mu[rated]) / np.abs(weights).sum()
            )
    assert_allclose(model.predict(user)[0], expected)
    # no neighbour at all: the item mean
    assert_allclose(model.predict(np.zeros((1, 3)))[0], mu)


def test_score_is_ndcg_on_a_deterministic_holdout(implicit_matrix):
    model = ItemKNNRecommender(k=5).fit(implicit_matrix)
    X_train, X_test = train_test_split_interactions(
        implicit_matrix, test_size=0.2, random_state=0
    )
    expected = ndcg_at_k(X_test, model._recommend_indices(X_train, 10), k=10)
    assert model.score(implicit_matrix) == expected == model.score(implicit_matrix)


def test_grid_search_on_users(implicit_matrix):
    search = GridSearchCV(
        ItemKNNRecommender(), {"k": [2, 10], "shrinkage": [0.0, 5.0]}, cv=3
    ).fit(implicit_matrix)
    assert search.best_params_["k"] in (2, 10)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert 0 < search.best_score_ <= 1


def test_clone_pickle_and_joblib_round_trips(tmp_path, implicit_matrix):
    model = ItemKNNRecommender(k=4, weighting="bm25").fit(implicit_matrix)
    expected = model.recommend(implicit_matrix, n=3)
    for restored in (
        pickle.loads(pickle.dumps(model)),
        joblib.load(joblib.dump(model, tmp_path / "model.joblib")[0]),
    ):
        got = restored.recommend(implicit_matrix, n=3)
        for a, b in zip(got[0] + got[1], expected[0] + expected[1]):
            assert_array_equal(a, b)
    unfitted = clone(model)
    assert unfitted.get_params() == model.get_params()
    assert not hasattr(unfitted, "similarity_")


def test_results_do_not_depend_on_threads(implicit_matrix):
    one = ItemKNNRecommender(k=5, n_jobs=1).fit(implicit_matrix)
    two = ItemKNNRecommender(k=5, n_jobs=2).fit(implicit_matrix)
    assert_array_equal(one.similarity_.toarray(), two.similarity_.toarray())
    assert_array_equal(
        one._recommend_indices(implicit_matrix, 7),
        two._recommend_indices(implicit_matrix, 7),
    )


def test_does_not_import_tensorflow_or_keras():
    code = (
        "import sys, numpy as np, skneuro\n"
        "model = skneuro.ItemKNNRecommender(k=2).fit(np.eye(4) + np.eye(4, k=1))\n"
        "model.recommend(np.eye(4))\n"
        "import skneuro.datasets, skneuro.recommend\n"
        "top = {name.split('.')[0] for name in sys.modules}\n"
        "loaded = top & {'tensorflow', 'keras'}\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=_repo_root())


def _repo_root():
    from pathlib import Path

    return Path(__file__).resolve().parents[2]


def test_dataframe_columns_must_match_fit():
    frame = pd.DataFrame(np.eye(4) + np.eye(4, k=1), columns=list("abcd"))
    model = ItemKNNRecommender().fit(frame)
    for bad in (frame[list("badc")], frame.rename(columns={"a": "z"}), frame[["a"]]):
        with pytest.raises(ValueError, match="feature names should match"):
            model.recommend(bad)
    with pytest.raises(ValueError, match=r"Unknown item label\(s\) \['q'\]"):
        model.explain(frame.iloc[0], "q")
    with pytest.raises(ValueError, match="Unknown item"):
        model.explain(frame.iloc[0], 2)  # positions are not the labels here
    owned, contributions = model.explain(frame.iloc[0], "c")
    assert_array_equal(owned, ["b"])
    assert_allclose(contributions, model.transform(frame.iloc[[0]])[0, [2]])


# ------------------------------------------------------------ item labels


def test_integer_column_labels_are_the_item_labels(implicit_matrix):
    """A DataFrame's integer column labels (a pivot table's item ids) are
    the labels, never the positions; scikit-learn's feature_names_in_ stays
    reserved for string names."""
    ids = np.arange(25) * 10 + 7  # 7, 17, ... 247: positions would look valid
    frame = pd.DataFrame(implicit_matrix.toarray(), columns=ids)
    model = ItemKNNRecommender(k=5).fit(frame)
    reference = ItemKNNRecommender(k=5).fit(implicit_matrix)
    assert not hasattr(model, "feature_names_in_")
    assert_array_equal(model.items_, ids)
    assert model.items_.dtype.kind == "i"
    assert_array_equal(model.get_feature_names_out(), [str(i) for i in ids])
    assert model.get_feature_names_out().dtype == object

    items, scores = model.recommend(frame.iloc[:4], n=3)
    expected_items, expected_scores = reference.recommend(implicit_matrix[:4], n=3)
    for got, positions in zip(items, expected_items):
        assert_array_equal(got, ids[positions])
    for got, expected in zip(scores, expected_scores):
        assert_allclose(got, expected)

    neighbours, sims = model.similar_items(ids[4], n=3)
    positions, expected_sims = reference.similar_items(4, n=3)
    assert_array_equal(neighbours, ids[positions])
    assert_allclose(sims, expected_sims)

    owned, contributions = model.explain(frame.iloc[0], items[0][0])
    ref_owned, ref_contributions = reference.explain(
        implicit_matrix[[0]], expected_items[0][0]
    )
    assert_array_equal(owned, ids[ref_owned])
    assert_allclose(contributions, ref_contributions)
    assert_allclose(contributions.sum(), scores[0][0])

    allowed = ids[[3, 5, 8]].tolist()
    restricted, _ = model.recommend(frame.iloc[:4], n=5, items=allowed)
    assert all(set(row) <= set(allowed) for row in restricted)

    # positions are not labels any more, and the labels' order is checked
    for position in (0, 4):
        with pytest.raises(ValueError, match="Unknown item"):
            model.similar_items(position)
    with pytest.raises(ValueError, match="column labels of X should match"):
        model.recommend(frame[frame.columns[::-1]])
    # arrays are taken in the fitted column order
    from_array, _ = model.recommend(implicit_matrix[:4], n=3)
    for got, expected in zip(from_array, items):
        assert_array_equal(got, expected)
    # set_output uses get_feature_names_out: the labels as strings
    out = clone(model).set_output(transform="pandas").fit(frame).transform(frame)
    assert out.columns.tolist() == [str(i) for i in ids]


def test_default_and_tuple_column_labels():
    X = np.eye(4) + np.eye(4, k=1) + np.eye(4, k=-1)
    # pd.DataFrame(X) has columns 0..3: they are the positions, as for arrays
    default = ItemKNNRecommender().fit(pd.DataFrame(X))
    assert_array_equal(default.items_, np.arange(4))
    assert_array_equal(default.get_feature_names_out(), ["x0", "x1", "x2", "x3"])
    assert_array_equal(
        ItemKNNRecommender().fit(X).get_feature_names_out(), ["x0", "x1", "x2", "x3"]
    )
    # a pivot table without values= has (value, item) tuples as columns
    columns = pd.MultiIndex.from_product([["rating"], [101, 102, 103, 104]])
    model = ItemKNNRecommender().fit(pd.DataFrame(X, columns=columns))
    assert model.items_.tolist() == list(columns)
    neighbours, _ = model.similar_items(("rating", 101), n=1)
    assert neighbours.tolist() == [("rating", 102)]
    items, _ = model.recommend(X[:1], n=2, items=[("rating", 103), ("rating", 104)])
    assert items[0].tolist() == [("rating", 103), ("rating", 104)]


def test_mixed_or_repeated_column_labels_are_refused():
    X = np.eye(4) + np.eye(4, k=1)
    # scikit-learn's rule: labels all strings or all non-strings ("1" vs 1)
    with pytest.raises(TypeError, match="string names"):
        ItemKNNRecommender().fit(pd.DataFrame(X, columns=["a", 1, "b", 2]))
    for columns in (["a", "b", "a", "c"], [10, 20, 10, 30]):
        with pytest.raises(ValueError, match="repeated column labels"):
            ItemKNNRecommender().fit(pd.DataFrame(X, columns=columns))
    model = ItemKNNRecommender().fit(pd.DataFrame(X, columns=list("abcd")))
    with pytest.raises(ValueError, match="repeated column labels"):
        model.transform(pd.DataFrame(X, columns=list("abca")))


def test_unknown_unhashable_and_look_alike_labels():
    X = np.eye(4) + np.eye(4, k=1) + np.eye(4, k=-1)
    positional = ItemKNNRecommender().fit(X)
    labelled = ItemKNNRecommender().fit(pd.DataFrame(X, columns=[10, 20, 30, 40]))
    named = ItemKNNRecommender().fit(pd.DataFrame(X, columns=list("abcd")))
    for model, good, bad in (
        (positional, 1, [4, -1, "1", True, np.bool_(True), 1.0, 1.5]),
        (labelled, 20, [2, "20", True, 20.0]),
        (named, "b", [1, "z", True]),
    ):
        expected = model.similar_items(good)[0]
        assert_array_equal(model.similar_items(np.array([good])[0])[0], expected)
        for label in bad:
            with pytest.raises(ValueError, match="Unknown item label") as info:
                model.similar_items(label)
            assert repr(label) in str(info.value) or str(label) in str(info.value)
            with pytest.raises(ValueError, match="Unknown item label"):
                model.explain(X[0], label)
            with pytest.raises(ValueError, match="Unknown item label"):
                model.recommend(X[:1], items=[good, label])
        # every unknown label is named, not just the first one
        with pytest.raises(ValueError, match=r"\['q', 'r'\]"):
            model.recommend(X[:1], items=[good, "q", "r"])
        for unhashable in ([1, 2], {"a": 1}, np.array([1, 2])):
            with pytest.raises(TypeError):
                model.similar_items(unhashable)
            with pytest.raises(TypeError):
                model.explain(X[0], unhashable)
        with pytest.raises(TypeError, match="hashable"):
            model.recommend(X[:1], items=[[good]])


def test_method_arguments_are_validated_before_any_work(implicit_matrix):
    model = ItemKNNRecommender(k=4).fit(implicit_matrix)
    row = implicit_matrix[[0]]
    for n in (0, -1, 1.5, 1.0, True):
        with pytest.raises(ValueError, match="n must be a positive integer or None"):
            model.explain(row, 3, n=n)
        with pytest.raises(TypeError):  # InvalidParameterError is both
            model.explain(row, 3, n=n)
    full = model.explain(row, 3)
    top = model.explain(row, 3, n=np.int64(1))
    assert top[0].tolist() == full[0][:1].tolist()
    for exclude_seen in ("no", 0, None):
        with pytest.raises(ValueError, match="exclude_seen must be a bool"):
            model.recommend(row, exclude_seen=exclude_seen)
    items, _ = model.recommend(row, n=25, exclude_seen=np.False_)
    assert items[0].size == 25
    # a 1-D sparse array is one user, as a 1-D dense one
    dense = row.toarray().ravel()
    sparse_1d = sp.coo_array(dense)
    assert sparse_1d.ndim == 1
    for got, expected in zip(model.explain(sparse_1d, 3), model.explain(dense, 3)):
        assert_array_equal(got, expected)


@pytest.mark.parametrize("n_jobs", [0, 1.5, "2"])
def test_n_jobs_zero_is_invalid(implicit_matrix, n_jobs):
    with pytest.raises(ValueError, match="'n_jobs' parameter"):
        ItemKNNRecommender(n_jobs=n_jobs).fit(implicit_matrix)


@pytest.mark.parametrize("similarity", ["cosine", "adjusted_cosine", "pearson"])
@pytest.mark.parametrize("scale", [1e-300, 1e-160, 1e160, 1e300])
def test_similarities_do_not_depend_on_the_scale(ratings_matrix, similarity, scale):
    """Squared values over- or underflow at such scales; the similarity is
    scale-free and must not lose every neighbour."""
    reference = ItemKNNRecommender(k=5, similarity=similarity).fit(ratings_matrix)
    scaled = ItemKNNRecommender(k=5, similarity=similarity).fit(ratings_matrix * scale)
    assert reference.similarity_.nnz > 0
    assert_allclose(
        scaled.similarity_.toarray(), reference.similarity_.toarray(), rtol=1e-12
    )
    # a power of two scales exactly: results are identical bit for bit
    exact = ItemKNNRecommender(k=5, similarity=similarity).fit(
        ratings_matrix * 2.0**-600
    )
    assert_array_equal(exact.similarity_.toarray(), reference.similarity_.toarray())
