"""Top-k ranking metrics for recommendations, and scikit-learn scorers.

Every metric compares ``recommended`` (per user, item column indices in
ranking order) with ``y_true`` (a user x item matrix whose non-zero entries
are the relevant, typically held-out, interactions). Relevance is binary.
Metrics are averaged over the users with at least one relevant item; users
without any are skipped, since no ranking can be right or wrong for them.

The inputs are never modified. ``recommended`` must hold integer column
indices (a TypeError otherwise: item labels, or floats that may have been
rounded, are not silently converted), -1 for an empty slot, and no item twice
among a user's first ``k``: a repeated item would count as two hits.
"""

from numbers import Integral, Real

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_array

from ._model_selection import train_test_split_interactions


def _as_rank_matrix(recommended, n_users, k):
    """``(n_users, k)`` int64 array of item indices, -1 for an empty slot."""
    if isinstance(recommended, pd.DataFrame):
        recommended = recommended.to_numpy()
    if isinstance(recommended, np.ndarray) and recommended.dtype != object:
        if recommended.ndim != 2:
            raise ValueError(
                "recommended must hold one ranking per user: a 2-D array of "
                "shape (n_users, n) or a list of 1-D arrays; got an array of "
                f"shape {recommended.shape}."
            )
        ranked = _as_indices(recommended[:, :k], "recommended")
    else:
        ranked = np.full((len(recommended), k), -1, dtype=np.int64)
        for u, row in enumerate(recommended):
            row = np.asarray(row)
            if row.ndim != 1:
                raise ValueError(
                    "recommended must hold one ranking per user: a 2-D array "
                    "or a list of 1-D arrays of item indices; "
                    f"recommended[{u}] has shape {row.shape}"
                    + (" (use [[...]] for a single user)." if row.ndim == 0 else ".")
                )
            row = _as_indices(row[:k], f"recommended[{u}]")
            ranked[u, : row.shape[0]] = row
    if ranked.shape[0] != n_users:
        raise ValueError(
            f"recommended has {ranked.shape[0]} users but y_true has {n_users}."
        )
    if ranked.size and ranked.min() < -1:
        raise ValueError(
            f"recommended holds item index {ranked.min()}: indices are >= 0, "
            "and -1 marks an empty slot."
        )
    if ranked.shape[1] < k:
        ranked = np.pad(ranked, ((0, 0), (0, k - ranked.shape[1])), constant_values=-1)
    return ranked


def _as_indices(ranking, name):
    """An integer array of item indices as int64; TypeError for other
    values (floats would be truncated, labels are not positions)."""
    if ranking.size and (ranking.dtype.kind not in "iu"):
        raise TypeError(
            f"{name} must hold integer item (column) indices, got dtype "
            f"{ranking.dtype}. Map item labels to positions first, e.g. with "
            "pd.Index(model.items_).get_indexer(labels)."
        )
    return ranking.astype(np.int64, copy=False)


def _relevant(y_true):
    """Canonical CSR of the non-zero entries of ``y_true``.

    Validated like the dense case (2-D, numeric, finite) and never modified:
    sparse input is copied only when it needs summing or pruning, so a
    read-only matrix is fine. Duplicate entries are summed, as scipy does.
    """
    y_true = check_array(
        y_true,
        accept_sparse=("csr", "csc", "coo"),
        dtype="numeric",
        ensure_all_finite=True,
        input_name="y_true",
    )
    relevant = sp.csr_array(y_true)  # may share memory with the caller's
    if not relevant.has_canonical_format or (relevant.data == 0).any():
        relevant = relevant.copy()
        relevant.sum_duplicates()
        relevant.eliminate_zeros()
    return relevant


def _hits(y_true, recommended, k):
    """Boolean ``(n_users, k)`` hit matrix and the relevant count per user."""
    y_true = _relevant(y_true)
    n_users, n_items = y_true.shape
    ranked = _as_rank_matrix(recommended, n_users, k)
    _check_no_repeats(ranked)
    if ranked.size and ranked.max() >= n_items:
        raise ValueError(
            f"recommended holds item index {ranked.max()} but y_true has "
            f"{n_items} items."
        )
    # look every (user, item) pair up among the relevant pairs, vectorised
    relevant_keys = (
        np.repeat(np.arange(n_users, dtype=np.int64), np.diff(y_true.indptr)) * n_items
        + y_true.indices
    )
    keys = np.arange(n_users, dtype=np.int64)[:, None] * n_items + ranked
    pos = np.clip(
        np.searchsorted(relevant_keys, keys), 0, max(len(relevant_keys) - 1, 0)
    )
    hits = (
        (ranked >= 0) & (relevant_keys[pos] == keys)
        if len(relevant_keys)
        else (np.zeros(ranked.shape, dtype=bool))
    )
    n_relevant = np.diff(y_true.indptr)
    if not (n_relevant > 0).any():
        raise ValueError("y_true has no relevant item for any user.")
    return hits, n_relevant


def _check_no_repeats(ranked):
    """A list recommending an item twice would count it as two hits."""
    if ranked.shape[1] < 2:
        return
    ordered = np.sort(ranked, axis=1)
    repeated = (ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)
    if repeated.any():
        user = int(np.flatnonzero(repeated.any(axis=1))[0])
        item = int(ordered[user, 1:][repeated[user]][0])
        raise ValueError(
            f"recommended lists item {item} more than once for user {user}: "
            "every item may appear once in a user's list."
        )


_PARAMS = {
    "y_true": ["array-like", "sparse matrix"],
    "recommended": ["array-like", list],
    "k": [Interval(Integral, 1, None, closed="left")],
}


@validate_params(_PARAMS, prefer_skip_nested_validation=True)
def precision_at_k(y_true, recommended, *, k=10):
    """Fraction of the top ``k`` recommendations that are relevant.

    Parameters
    ----------
    y_true : {array-like, sparse matrix} of shape (n_users, n_items)
        Non-zero entries are the relevant items.
    recommended : array-like of shape (n_users, n) or list of 1-D arrays
        Integer item column indices per user in ranking order, each item
        at most once; -1 marks an empty slot (it counts as a miss).
    k : int, default=10
        Cut-off.

    Returns
    -------
    float
        Mean over users with at least one relevant item.

    Examples
    --------
    >>> from skneuro.recommend import precision_at_k
    >>> precision_at_k([[0, 1, 1, 0]], [[1, 0, 2]], k=2)
    0.5
    """
    hits, n_relevant = _hits(y_true, recommended, k)
    users = n_relevant > 0
    return float(hits[users].sum(axis=1).mean() / k)


@validate_params(_PARAMS, prefer_skip_nested_validation=True)
def recall_at_k(y_true, recommended, *, k=10):
    """Fraction of each user's relevant items found in the top ``k``.

    Parameters
    ----------
    y_true : {array-like, sparse matrix} of shape (n_users, n_items)
        Non-zero entries are the relevant items.
    recommended : array-like of shape (n_users, n) or list of 1-D arrays
        Integer item column indices per user in ranking order, each item
        at most once; -1 marks an empty slot (it counts as a miss).
    k : int, default=10
        Cut-off.

    Returns
    -------
    float
        Mean over users with at least one relevant item.

    Examples
    --------
    >>> from skneuro.recommend import recall_at_k
    >>> recall_at_k([[0, 1, 1, 0]], [[1, 0, 3]], k=3)
    0.5
    """
    hits, n_relevant = _hits(y_true, recommended, k)
    users = n_relevant > 0
    return float((hits[users].sum(axis=1) / n_relevant[users]).mean())


@validate_params(_PARAMS, prefer_skip_nested_validation=True)
def hit_rate_at_k(y_true, recommended, *, k=10):
    """Fraction of users with at least one relevant item in the top ``k``.

    Parameters
    ----------
    y_true : {array-like, sparse matrix} of shape (n_users, n_items)
        Non-zero entries are the relevant items.
    recommended : array-like of shape (n_users, n) or list of 1-D arrays
        Integer item column indices per user in ranking order, each item
        at most once; -1 marks an empty slot (it counts as a miss).
    k : int, default=10
        Cut-off.

    Returns
    -------
    float
        Mean over users with at least one relevant item.

    Examples
    --------
    >>> from skneuro.recommend import hit_rate_at_k
    >>> hit_rate_at_k([[0, 1], [1, 0]], [[1, 0], [1, 0]], k=1)
    0.5
    """
    hits, n_relevant = _hits(y_true, recommended, k)
    users = n_relevant > 0
    return float(hits[users].any(axis=1).mean())


@validate_params(_PARAMS, prefer_skip_nested_validation=True)
def map_at_k(y_true, recommended, *, k=10):
    """Mean average precision at ``k``.

    A user's average precision is the mean of precision@r over the ranks
    ``r <= k`` that hold a relevant item, divided by ``min(k, n_relevant)``
    so a perfect ranking scores 1.

    Parameters
    ----------
    y_true : {array-like, sparse matrix} of shape (n_users, n_items)
        Non-zero entries are the relevant items.
    recommended : array-like of shape (n_users, n) or list of 1-D arrays
        Integer item column indices per user in ranking order, each item
        at most once; -1 marks an empty slot (it counts as a miss).
    k : int, default=10
        Cut-off.

    Returns
    -------
    float
        Mean over users with at least one relevant item.

    Examples
    --------
    >>> from skneuro.recommend import map_at_k
    >>> map_at_k([[1, 0, 1]], [[0, 1, 2]], k=3)  # (1/1 + 2/3) / 2
    0.8333...
    """
    hits, n_relevant = _hits(y_true, recommended, k)
    users = n_relevant > 0
    hits = hits[users]
    precision_at_rank = np.cumsum(hits, axis=1) / np.arange(1, k + 1)
    ap = (precision_at_rank * hits).sum(axis=1) / np.minimum(k, n_relevant[users])
    return float(ap.mean())


@validate_params(_PARAMS, prefer_skip_nested_validation=True)
def ndcg_at_k(y_true, recommended, *, k=10):
    """Normalised discounted cumulative gain at ``k``, binary relevance.

    ``DCG = sum_r hit_r / log2(r + 1)`` over ranks ``r = 1..k``, divided by
    the DCG of a perfect ranking of the user's ``min(k, n_relevant)``
    relevant items.

    Parameters
    ----------
    y_true : {array-like, sparse matrix} of shape (n_users, n_items)
        Non-zero entries are the relevant items.
    recommended : array-like of shape (n_users, n) or list of 1-D arrays
        Integer item column indices per user in ranking order, each item
        at most once; -1 marks an empty slot (it counts as a miss).
    k : int, default=10
        Cut-off.

    Returns
    -------
    float
        Mean over users with at least one relevant item.

    Examples
    --------
    >>> from skneuro.recommend import ndcg_at_k
    >>> ndcg_at_k([[1, 0, 0]], [[0, 1, 2]], k=3)
    1.0
    >>> round(ndcg_at_k([[1, 0, 0]], [[1, 0, 2]], k=3), 4)  # 1 / log2(3)
    0.6309
    """
    hits, n_relevant = _hits(y_true, recommended, k)
    users = n_relevant > 0
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = hits[users] @ discount
    ideal = np.cumsum(discount)[np.minimum(k, n_relevant[users]) - 1]
    return float((dcg / ideal).mean())


@validate_params(
    {
        "recommended": ["array-like", list],
        "n_items": [Interval(Integral, 1, None, closed="left")],
        "k": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def catalog_coverage(recommended, n_items, *, k=10):
    """Fraction of the ``n_items`` catalogue appearing in any top-``k`` list.

    Parameters
    ----------
    recommended : array-like of shape (n_users, n) or list of 1-D arrays
        Integer item column indices per user; -1 marks an empty slot.
    n_items : int
        Size of the catalogue.
    k : int, default=10
        Cut-off.

    Returns
    -------
    float

    Examples
    --------
    >>> from skneuro.recommend import catalog_coverage
    >>> catalog_coverage([[0, 1], [1, 2]], n_items=10, k=2)
    0.3
    """
    ranked = _as_rank_matrix(recommended, len(recommended), k)
    items = np.unique(ranked[ranked >= 0])
    if items.size and items.max() >= n_items:
        raise ValueError(f"recommended holds item {items.max()} >= n_items={n_items}.")
    return items.size / n_items


RANKING_METRICS = {
    "precision": precision_at_k,
    "recall": recall_at_k,
    "hit_rate": hit_rate_at_k,
    "map": map_at_k,
    "ndcg": ndcg_at_k,
}


class RecommendationScorer:
    """Scorer: hide part of each user's interactions, recommend, evaluate.

    Made by :func:`make_recommendation_scorer`; call it as
    ``scorer(estimator, X, y=None)`` like any scikit-learn scorer. Users
    (rows of ``X``) are the samples, so cross-validation folds hold users
    out entirely ("strong generalisation"): the fitted model folds each test
    user in from the part of their row that is not hidden.

    ``estimator`` is an :class:`~skneuro.ItemKNNRecommender` or a
    :class:`~sklearn.pipeline.Pipeline` ending in one. For a pipeline, ``X``
    first goes through the ``transform`` of the earlier steps, as in
    ``Pipeline.score``; the interactions are then hidden and judged in the
    recommender's own input (e.g. after a binarising step, the hidden
    "likes").

    Parameters
    ----------
    metric : {"ndcg", "precision", "recall", "hit_rate", "map", "coverage"}
        Ranking metric at ``k`` (see the ``*_at_k`` functions), or catalogue
        coverage of the top-``k`` lists.
    k : int
        Cut-off: the number of items recommended to each user.
    test_size : float
        Fraction of each user's interactions hidden and predicted, as in
        :func:`train_test_split_interactions`.
    random_state : int, RandomState instance or None
        Seed of the hold-out; an int judges every estimator on the same
        hidden interactions.

    See Also
    --------
    make_recommendation_scorer : The way to build one, with defaults.
    ItemKNNRecommender.score : NDCG@10 with the same protocol.

    Examples
    --------
    >>> import numpy as np
    >>> from skneuro.recommend import ItemKNNRecommender, make_recommendation_scorer
    >>> X = (np.random.default_rng(0).random((40, 10)) < 0.5).astype(float)
    >>> scorer = make_recommendation_scorer("hit_rate", k=3)
    >>> scorer
    make_recommendation_scorer('hit_rate', k=3, test_size=0.2, random_state=0)
    >>> 0.0 <= scorer(ItemKNNRecommender(k=5).fit(X), X) <= 1.0
    True
    """

    def __init__(self, metric, k, test_size, random_state):
        self.metric = metric
        self.k = k
        self.test_size = test_size
        self.random_state = random_state

    def __call__(self, estimator, X, y=None):
        recommender, X = _recommender_and_input(estimator, X)
        X_train, X_test = train_test_split_interactions(
            X, test_size=self.test_size, random_state=self.random_state
        )
        recommended = recommender._recommend_indices(X_train, self.k, exclude_seen=True)
        if self.metric == "coverage":
            return catalog_coverage(recommended, recommender.n_features_in_, k=self.k)
        return RANKING_METRICS[self.metric](X_test, recommended, k=self.k)

    def __repr__(self):
        return (
            f"make_recommendation_scorer({self.metric!r}, k={self.k}, "
            f"test_size={self.test_size}, random_state={self.random_state!r})"
        )


def _recommender_and_input(estimator, X):
    """The recommender at the end of ``estimator``, and ``X`` as it sees it.

    A Pipeline (possibly nested) is unwrapped: ``X`` goes through the
    ``transform`` of every step but the last, as ``Pipeline.score`` does.
    """
    while isinstance(estimator, Pipeline):
        for _, step in estimator.steps[:-1]:
            if step is not None and not isinstance(step, str):  # "passthrough"
                X = step.transform(X)
        estimator = estimator.steps[-1][1]
    if not hasattr(estimator, "_recommend_indices"):
        raise TypeError(
            "A recommendation scorer needs an ItemKNNRecommender, or a "
            f"Pipeline ending in one; got {type(estimator).__name__}."
        )
    return estimator, X


@validate_params(
    {
        "metric": [StrOptions({*RANKING_METRICS, "coverage"})],
        "k": [Interval(Integral, 1, None, closed="left")],
        "test_size": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_recommendation_scorer(metric="ndcg", *, k=10, test_size=0.2, random_state=0):
    """Build a scorer for ``GridSearchCV`` / ``cross_validate``.

    Parameters
    ----------
    metric : {"ndcg", "precision", "recall", "hit_rate", "map", "coverage"}
        Ranking metric at ``k`` (see the ``*_at_k`` functions), or catalogue
        coverage of the top-``k`` lists.
    k : int, default=10
        Cut-off.
    test_size : float, default=0.2
        Fraction of each user's interactions hidden and predicted.
    random_state : int, RandomState instance or None, default=0
        Seed of the hold-out; keep an int so that every candidate of a grid
        search is judged on the same hidden interactions.

    Returns
    -------
    RecommendationScorer
        Callable ``scorer(estimator, X, y=None) -> float``; greater is better.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import cross_val_score
    >>> from skneuro.recommend import ItemKNNRecommender, make_recommendation_scorer
    >>> rng = np.random.default_rng(0)
    >>> X = (rng.random((60, 12)) < 0.4).astype(float)
    >>> scores = cross_val_score(
    ...     ItemKNNRecommender(k=5), X, cv=3,
    ...     scoring=make_recommendation_scorer("recall", k=3),
    ... )
    >>> scores.shape
    (3,)
    """
    return RecommendationScorer(metric, k, test_size, random_state)
