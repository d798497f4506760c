"""Item-based collaborative filtering as a scikit-learn transformer."""

import warnings
from numbers import Integral, Real

import numba
import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import (
    BaseEstimator,
    OneToOneFeatureMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _similarity
from ._metrics import ndcg_at_k
from ._model_selection import train_test_split_interactions
from ._validation import _check_bool, _check_no_duplicates, _check_positive_int

# Rows of users scored at a time by predict(): bounds its temporary memory.
_PREDICT_BLOCK = 2048


class ItemKNNRecommender(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Item-based k-nearest-neighbour collaborative filtering.

    ``X`` is a user x item matrix: rows are users (the samples), columns are
    items (the features), values are ratings or implicit counts / weights and
    zero means "no interaction". :meth:`fit` learns, for every item, its ``k``
    most similar items (:attr:`similarity_`). A user's score for item ``j`` is
    ``sum_i x_ui * similarity_[i, j]``: every item the user has votes for its
    neighbours (Deshpande & Karypis 2004). Users need not have been seen
    during fit: any row is folded in from its interactions.

    Parameters
    ----------
    k : int, default=100
        Neighbours kept per item. An item is never its own neighbour, so all
        ``k`` slots hold other items (fewer when fewer have a positive
        similarity).
    similarity : {"cosine", "adjusted_cosine", "pearson", "jaccard"}, \
            default="cosine"
        - ``"cosine"``: cosine of the item columns.
        - ``"adjusted_cosine"``: cosine after subtracting each user's mean
          from their (non-zero) values (Sarwar et al. 2001); for ratings.
        - ``"pearson"``: cosine after subtracting each item's mean from its
          non-zero values; for ratings.
        - ``"jaccard"``: co-occurrence count over union count; uses only
          which entries are non-zero.

        The centred similarities need graded values: on binary data every
        centred value is zero and there are no neighbours (a warning says so).
    weighting : {"tfidf", "bm25"} or None, default=None
        Re-weighting of the values before the similarity, treating items as
        documents and users as terms (as in ``implicit``): ``"tfidf"`` uses
        ``sqrt(x) * idf``, ``"bm25"`` the BM25 term weight with
        ``bm25_k1`` and ``bm25_b``; the inverse user frequency is
        ``max(0, log(n_items) - log(1 + n_items_of_user))``. Both need
        non-negative ``X``. Not used by ``"jaccard"``. Scores still use the
        raw ``X``.
    shrinkage : float, default=0.0
        Multiplies each similarity by ``n / (n + shrinkage)`` where ``n`` is
        the number of users who interacted with both items, damping
        similarities that rest on few users.
    min_support : int, default=1
        Similarities resting on fewer than ``min_support`` common users are
        dropped.
    bm25_k1 : float, default=1.2
        BM25 term-frequency saturation ``K1`` (used with ``weighting="bm25"``).
    bm25_b : float, default=0.75
        BM25 length normalisation ``B`` in [0, 1] (``weighting="bm25"``).
    dense_output : bool, default=True
        Whether :meth:`transform` returns a dense array (else CSR).
    n_jobs : int or None, default=None
        Threads of the similarity and recommendation kernels; None or -1
        uses all cores, ``-2`` all but one and so on. 0 is invalid.

    Attributes
    ----------
    similarity_ : scipy.sparse.csr_array of shape (n_items, n_items)
        Row ``i`` holds item ``i``'s at most ``k`` neighbours. Kept
        similarities are strictly positive; the matrix is not symmetric in
        general (``j`` may be among ``i``'s top ``k`` but not the reverse),
        and its diagonal is empty.
    item_popularity_ : ndarray of shape (n_items,)
        Number of users who interacted with each item during fit; breaks
        score ties in :meth:`recommend`.
    item_means_ : ndarray of shape (n_items,)
        Mean non-zero value of each item (global mean for items without
        any), the baseline of :meth:`predict`.
    global_mean_ : float
        Mean of the non-zero values seen in fit.
    n_features_in_ : int
        Number of items seen in fit.
    items_ : ndarray of shape (n_features_in_,)
        Label of every item (column): the column labels of a DataFrame ``X``,
        whatever their type (e.g. the integer movie ids of a ``pivot_table``),
        else the column indices ``0 .. n_features_in_ - 1``.
        :meth:`recommend`, :meth:`similar_items` and :meth:`explain` return
        and accept these labels.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Item labels, only when ``X`` was a DataFrame with string column
        names (as in scikit-learn); see :attr:`items_` for any label type.

    See Also
    --------
    make_recommendation_scorer : Ranking-metric scorers for model selection.
    train_test_split_interactions : Per-user hold-out of interactions.
    InteractionEncoder : Long (user, item, value) table to a user x item matrix.

    Notes
    -----
    The neighbour search runs in parallel over items with a dense
    accumulator per thread and a size-``k`` heap, so memory is
    ``O(n_items * k)`` plus ``O(n_threads * n_items)``, never
    ``O(n_items ** 2)``.

    The weightings feed the chosen similarity, which for ``"cosine"``
    normalises every item column afterwards: a factor that depends only on
    the item cancels. So on binary data BM25's item-length normalisation has
    no effect and ``"bm25"`` gives the same neighbours as ``"tfidf"``; the two
    differ on graded values, where BM25 saturates large counts.

    Duplicate ``(user, item)`` entries in sparse input are rejected rather
    than summed; aggregate them explicitly with :class:`InteractionEncoder`.

    The column labels of a DataFrame must be unique, and all strings or all
    non-strings: scikit-learn refuses a mix such as ``["a", 1]`` with a
    TypeError (``1`` and ``"1"`` would be ambiguous labels); convert them
    with ``X.columns = X.columns.astype(str)``. Once fitted on labelled
    columns, a DataFrame given to any method must have the same columns in
    the same order (a ValueError otherwise); arrays and sparse matrices are
    taken to be in that order.

    Examples
    --------
    >>> import numpy as np
    >>> from skneuro.recommend import ItemKNNRecommender
    >>> X = np.array([[1, 1, 0, 0],
    ...               [1, 1, 1, 0],
    ...               [0, 1, 1, 1],
    ...               [0, 0, 1, 1]])
    >>> model = ItemKNNRecommender(k=2).fit(X)
    >>> items, scores = model.recommend([[1, 0, 0, 0]], n=2)
    >>> items[0]
    array([1, 2])
    >>> model.similar_items(3, n=1)[0]
    array([2])
    """

    _parameter_constraints: dict = {
        "k": [Interval(Integral, 1, None, closed="left")],
        "similarity": [StrOptions({"cosine", "adjusted_cosine", "pearson", "jaccard"})],
        "weighting": [StrOptions({"tfidf", "bm25"}), None],
        "shrinkage": [Interval(Real, 0, None, closed="left")],
        "min_support": [Interval(Integral, 1, None, closed="left")],
        "bm25_k1": [Interval(Real, 0, None, closed="left")],
        "bm25_b": [Interval(Real, 0, 1, closed="both")],
        "dense_output": ["boolean"],
        # n_jobs=0 has no meaning (joblib refuses it too)
        "n_jobs": [
            Interval(Integral, None, -1, closed="right"),
            Interval(Integral, 1, None, closed="left"),
            None,
        ],
    }

    def __init__(
        self,
        k: int = 100,
        *,
        similarity: str = "cosine",
        weighting: str | None = None,
        shrinkage: float = 0.0,
        min_support: int = 1,
        bm25_k1: float = 1.2,
        bm25_b: float = 0.75,
        dense_output: bool = True,
        n_jobs: int | None = None,
    ):
        self.k = k
        self.similarity = similarity
        self.weighting = weighting
        self.shrinkage = shrinkage
        self.min_support = min_support
        self.bm25_k1 = bm25_k1
        self.bm25_b = bm25_b
        self.dense_output = dense_output
        self.n_jobs = n_jobs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        # tf-idf takes square roots and BM25 saturates counts: both need x >= 0
        tags.input_tags.positive_only = self.weighting is not None
        tags.requires_fit = True
        tags.target_tags.required = False
        return tags

    # ------------------------------------------------------------------ fit

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn every item's ``k`` nearest neighbours.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_users, n_items)
            Interactions; zero means none. Sparse CSR/CSC/COO matrices and
            arrays, dense arrays of any real or boolean dtype, DataFrames.
        y : None
            Ignored.

        Returns
        -------
        self : ItemKNNRecommender
            Fitted estimator.
        """
        if self.similarity == "jaccard" and self.weighting is not None:
            raise ValueError(
                "weighting has no effect with similarity='jaccard', which only "
                "uses which entries are non-zero; set weighting=None."
            )
        labels = _column_labels(X)
        X = self._validate_interactions(X, reset=True)
        n_items = X.shape[1]
        if hasattr(self, "feature_names_in_"):
            self.items_ = self.feature_names_in_.copy()
        else:
            self.items_ = np.arange(n_items) if labels is None else labels
        self.item_popularity_ = np.bincount(X.indices, minlength=n_items)
        self.global_mean_ = float(X.data.mean()) if X.nnz else 0.0
        value_sums = np.bincount(X.indices, weights=X.data, minlength=n_items)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.item_means_ = np.where(
                self.item_popularity_ > 0,
                value_sums / self.item_popularity_,
                self.global_mean_,
            )
        self.similarity_ = self._item_neighbours(X)
        return self

    def _validate_interactions(self, X, *, reset):
        """Validate ``X`` and return it as canonical float64 CSR.

        The result may share memory with the caller's ``X``: read it only.
        """
        if isinstance(X, pd.DataFrame):
            self._check_columns(X, reset=reset)
        X = validate_data(
            self,
            X,
            reset=reset,
            accept_sparse=("csr", "csc", "coo"),
            dtype=np.float64,
            ensure_all_finite=True,
            ensure_non_negative=self.weighting is not None,
            ensure_min_features=1,
        )
        if sp.issparse(X):
            _check_no_duplicates(X)
        X = sp.csr_array(X)  # no copy when X already is float64 CSR
        if not X.has_sorted_indices or (X.data == 0).any():
            X = X.copy()
            X.eliminate_zeros()
            X.sort_indices()
        if X.indices.dtype != np.int32 and X.nnz < np.iinfo(np.int32).max:
            # one index type keeps the numba kernels to one compiled version
            X = sp.csr_array(
                (X.data, X.indices.astype(np.int32), X.indptr.astype(np.int32)),
                shape=X.shape,
            )
        return X

    def _check_columns(self, X, *, reset):
        """Unique column labels, and after fit the fitted ones in order.

        scikit-learn checks string column names itself; other labels (the
        integer ids of a pivot table) are checked here, else a DataFrame
        with its columns reordered would be read positionally.
        """
        columns = X.columns
        if not columns.is_unique:
            repeated = columns[columns.duplicated()].unique().tolist()
            raise ValueError(
                f"X has repeated column labels {repeated[:5]}: every item "
                "needs its own label."
            )
        if (
            not reset
            and not hasattr(self, "feature_names_in_")
            and not self._positional_items()
            and not np.array_equal(columns.to_numpy(), self.items_)
        ):
            raise ValueError(
                "The column labels of X should match the item labels seen in "
                f"fit (items_), in the same order; got {columns.tolist()[:5]}, "
                f"expected {self.items_.tolist()[:5]} (first 5)."
            )

    def _item_neighbours(self, X):
        """Sparse top-``k`` item-item similarity of the user x item CSR ``X``."""
        n_items = X.shape[1]
        values, inv_norms, unit_values = self._similarity_values(X)
        if unit_values:
            # the kernel reads no values: transpose a 1-byte pattern instead
            values = sp.csr_array(
                (np.ones(X.nnz, dtype=np.int8), X.indices, X.indptr), shape=X.shape
            )
        item_major = values.T.tocsr()
        del values
        # number items by decreasing popularity: the accumulator entries that
        # almost every row touches then share a few cache lines
        support = np.diff(item_major.indptr)
        original = np.argsort(-support, kind="stable").astype(np.int32)
        item_major = item_major[original]
        user_major = item_major.T.tocsr()
        if unit_values:
            item_values = user_values = np.empty(0)
        else:
            item_values, user_values = item_major.data, user_major.data
        k = min(self.k, max(n_items - 1, 1))
        kind = _similarity.JACCARD if self.similarity == "jaccard" else _similarity.DOT
        with _n_threads(self.n_jobs):
            neighbours, similarities, counts = _similarity.item_knn(
                _unsigned(item_major.indptr),
                _unsigned(item_major.indices),
                item_values,
                _unsigned(user_major.indptr),
                _unsigned(user_major.indices),
                user_values,
                inv_norms[original],
                support[original].astype(np.float64),
                original,
                k,
                kind,
                unit_values,
                float(self.shrinkage),
                int(self.min_support),
                _similarity.n_chunks_for(n_items),
            )
        del item_major, user_major
        return _compact_to_csr(neighbours, similarities, counts)

    def _similarity_values(self, X):
        """Values whose column dot products, scaled by ``inv_norms``, are the
        similarities; ``unit_values`` when every value is 1 (binary data,
        Jaccard), which the kernel then never reads."""
        n_items = X.shape[1]
        if self.similarity == "jaccard":
            return X, np.ones(n_items), True
        data = self._weights(X) if self.weighting is not None else X.data
        if self.similarity == "adjusted_cosine":
            counts = np.diff(X.indptr)
            sums = np.add.reduceat(data, X.indptr[:-1]) if X.nnz else np.zeros(0)
            means = np.zeros(X.shape[0])
            has = counts > 0
            means[has] = sums[has] / counts[has]
            data = data - np.repeat(means, counts)
        elif self.similarity == "pearson":
            counts = np.bincount(X.indices, minlength=n_items)
            sums = np.bincount(X.indices, weights=data, minlength=n_items)
            means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
            data = data - means[X.indices]
        data = _rescaled(data)
        norms = np.sqrt(np.bincount(X.indices, weights=data**2, minlength=n_items))
        if self.similarity != "cosine" and X.nnz and not norms.any():
            warnings.warn(
                f"similarity={self.similarity!r} centres the values, and every "
                "centred value is zero (binary or constant data): no item has "
                "neighbours. Use 'cosine' or 'jaccard' for such data.",
                UserWarning,
                stacklevel=4,
            )
        # an all-zero column has no neighbours whatever its scale
        inv_norms = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        unit_values = bool(X.nnz) and bool((data == 1.0).all())
        values = sp.csr_array((data, X.indices, X.indptr), shape=X.shape)
        return values, inv_norms, unit_values

    def _weights(self, X):
        """tf-idf or BM25 weights of the non-zero entries of CSR ``X``."""
        n_items = X.shape[1]
        items_per_user = np.diff(X.indptr)
        inverse_user_frequency = np.maximum(
            0.0, np.log(n_items) - np.log1p(items_per_user)
        )
        idf = np.repeat(inverse_user_frequency, items_per_user)
        if self.weighting == "tfidf":
            return np.sqrt(X.data) * idf
        item_length = np.bincount(X.indices, weights=X.data, minlength=n_items)
        mean_length = item_length.mean()
        length_norm = (1.0 - self.bm25_b) + self.bm25_b * item_length / (
            mean_length if mean_length > 0 else 1.0
        )
        k1 = self.bm25_k1
        return X.data * (k1 + 1.0) / (k1 * length_norm[X.indices] + X.data) * idf

    # -------------------------------------------------------------- scoring

    def transform(self, X):
        """Score every item for every user row: ``X @ similarity_``.

        Items the user already has are scored too; :meth:`recommend` is the
        method that filters them.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_users, n_items)
            Users' interactions, seen in fit or not.

        Returns
        -------
        scores : ndarray or scipy.sparse.csr_array of shape (n_users, n_items)
            Dense unless ``dense_output=False``.
        """
        check_is_fitted(self)
        X = self._validate_interactions(X, reset=False)
        scores = X @ self.similarity_
        return scores.toarray() if self.dense_output else scores

    def recommend(self, X, n: int = 10, *, exclude_seen: bool = True, items=None):
        """Top-``n`` items for every user row of ``X``.

        Items are ranked by decreasing score; ties, notably the zero score of
        every item no neighbour reaches, are broken by fit-time popularity
        (then column order). So a user with no interactions, or whose items
        have few neighbours, gets popular items with score 0, and lists are
        always as long as the eligible catalogue allows. ``exclude_seen`` is a
        hard filter: a list is shorter than ``n`` (never padded) when fewer
        than ``n`` eligible items remain.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_users, n_items)
            Users' interactions; users need not have been seen in fit.
        n : int, default=10
            Length of each list; larger than the catalogue is allowed.
        exclude_seen : bool, default=True
            Never recommend an item that is non-zero in the user's row.
        items : list of item labels, default=None
            Recommend only among these items (all items when None); labels
            as in :attr:`items_`. A ValueError names any label not seen in
            fit.

        Returns
        -------
        items : list of ndarray
            One array of item labels per user, best first: the
            :attr:`items_` (column labels of a fitted DataFrame, else column
            indices). The metric functions take column indices: map labels
            back with ``pd.Index(model.items_).get_indexer(labels)``.
        scores : list of ndarray
            The matching scores.
        """
        ranked, scores, counts = self._recommend(
            X, n, exclude_seen=exclude_seen, items=items
        )
        if not self._positional_items():
            ranked = self.items_[ranked]
        # per-user views into the two (n_users, n) result arrays
        return (
            [row[:c] for row, c in zip(ranked, counts.tolist())],
            [row[:c] for row, c in zip(scores, counts.tolist())],
        )

    def _recommend_indices(self, X, n, exclude_seen=True):
        """``(n_users, n)`` column indices, -1 in unused slots (for metrics)."""
        return self._recommend(X, n, exclude_seen=exclude_seen, items=None)[0]

    def _recommend(self, X, n, *, exclude_seen, items):
        check_is_fitted(self)
        _check_positive_int(n, "n")
        _check_bool(exclude_seen, "exclude_seen")
        allowed = self._allowed_items(items)
        X = self._validate_interactions(X, reset=False)
        n = int(min(n, self.n_features_in_))
        similarity = self.similarity_
        popularity_rank = _popularity_rank(self.item_popularity_)
        with _n_threads(self.n_jobs):
            return _similarity.recommend_top_n(
                _unsigned(X.indptr),
                _unsigned(X.indices),
                X.data,
                _unsigned(similarity.indptr),
                _unsigned(similarity.indices),
                similarity.data,
                n,
                bool(exclude_seen),
                allowed,
                popularity_rank,
                np.argsort(popularity_rank),
                _similarity.n_chunks_for(X.shape[0]),
            )

    def _allowed_items(self, items):
        allowed = np.ones(self.n_features_in_, dtype=bool)
        if items is not None:
            allowed[:] = False
            allowed[self._item_positions(_as_label_list(items))] = True
        return allowed

    def _positional_items(self):
        """Whether the item labels are just the column indices."""
        items = self.items_
        return items.dtype.kind in "iu" and np.array_equal(items, np.arange(items.size))

    def _item_positions(self, labels):
        """Column positions of a list of item labels.

        ValueError names the labels not seen in fit; TypeError for an
        unhashable one. A label must also be of the kind of the fitted ones:
        ``True`` equals ``1`` and ``3.0`` equals ``3`` in Python, but neither
        is an integer item label.
        """
        items = self.items_
        positional = self._positional_items()
        lookup = (
            None if positional else {label: j for j, label in enumerate(items.tolist())}
        )
        positions, unknown = [], []
        for label in labels:
            try:
                hash(label)
            except TypeError:
                raise TypeError(
                    f"An item label must be hashable, got {label!r} "
                    f"({type(label).__name__}): pass one label per item."
                ) from None
            if positional:
                known = _is_integer(label) and 0 <= label < items.size
                position = int(label) if known else None
            else:
                position = lookup.get(label)
                if position is not None and not _same_kind(label, items[position]):
                    position = None
            if position is None:
                unknown.append(label)
            else:
                positions.append(position)
        if unknown:
            if positional:
                known_labels = f"the column indices 0 to {items.size - 1}"
            else:
                known_labels = f"items_, e.g. {items[:3].tolist()}"
            raise ValueError(
                f"Unknown item label(s) {unknown[:5]}"
                f"{' ...' if len(unknown) > 5 else ''}: not among the "
                f"{items.size} items seen in fit ({known_labels})."
            )
        return np.array(positions, dtype=np.int64)

    def _item_position(self, item):
        """Column position of one item label (see :meth:`_item_positions`)."""
        if isinstance(item, (list, np.ndarray, pd.Index, pd.Series, set)):
            raise TypeError(
                f"item must be one item label, got a {type(item).__name__}."
            )
        return self._item_positions([item])[0]

    def similar_items(self, item, n: int = 10):
        """The ``n`` items most similar to ``item``.

        Parameters
        ----------
        item : label
            One of :attr:`items_`: a column label of the fitted DataFrame,
            else a column index. A ValueError says when it is unknown.
        n : int, default=10
            At most ``n`` neighbours are returned; fewer when the item has
            fewer than ``n`` kept neighbours (at most ``k``).

        Returns
        -------
        items : ndarray
            Neighbour labels by decreasing similarity.
        similarities : ndarray
            Their similarities.
        """
        check_is_fitted(self)
        _check_positive_int(n, "n")
        position = self._item_position(item)
        row = self.similarity_[[position]]
        order = np.lexsort((row.indices, -row.data))[:n]
        return self.items_[row.indices[order]], row.data[order]

    def explain(self, x_row, item, n: int | None = None):
        """Which of a user's items make up their score for ``item``, and how much.

        Parameters
        ----------
        x_row : array-like, Series, DataFrame or sparse matrix of shape \
                (n_items,) or (1, n_items)
            One user's interactions.
        item : label
            The recommended item, one of :attr:`items_` (a column label or
            index, as in fit).
        n : int or None, default=None
            Return only the ``n`` largest contributions (a positive int).

        Returns
        -------
        items : ndarray
            The user's items that are neighbours of ``item``, by decreasing
            contribution ``x_ui * similarity_[i, item]``.
        contributions : ndarray
            Those contributions; they sum to the user's score for ``item``.

        Examples
        --------
        >>> import numpy as np
        >>> from skneuro.recommend import ItemKNNRecommender
        >>> X = np.array([[1, 1, 0], [1, 1, 1], [0, 1, 1]])
        >>> model = ItemKNNRecommender().fit(X)
        >>> items, contributions = model.explain([1, 1, 0], item=2)
        >>> items
        array([1, 0])
        >>> bool(np.isclose(contributions.sum(), model.transform([[1, 1, 0]])[0, 2]))
        True
        """
        check_is_fitted(self)
        _check_positive_int(n, "n", allow_none=True)
        position = self._item_position(item)
        if isinstance(x_row, pd.Series):
            row = x_row.to_frame().T  # keeps the item labels for validation
        elif sp.issparse(x_row) and x_row.ndim == 1:
            row = x_row.reshape(1, -1)  # a 1-D sparse array is one user too
        elif sp.issparse(x_row) or isinstance(x_row, pd.DataFrame):
            row = x_row
        else:
            row = np.asarray(x_row)
            row = row.reshape(1, -1) if row.ndim == 1 else row
        X = self._validate_interactions(row, reset=False)
        if X.shape[0] != 1:
            raise ValueError(f"x_row must hold one user, got {X.shape[0]} rows.")
        column = self.similarity_[:, [position]].toarray().ravel()
        contributions = X.data * column[X.indices]
        nonzero = contributions != 0
        owned, contributions = X.indices[nonzero], contributions[nonzero]
        order = np.lexsort((owned, -contributions))[:n]
        return self.items_[owned[order]], contributions[order]

    def get_feature_names_out(self, input_features=None):
        """Item labels of the columns of :meth:`transform`, as strings.

        ``feature_names_in_`` for string column names; the other labels of
        :attr:`items_` converted with ``str`` (scikit-learn's feature names
        are strings: ``set_output(transform="pandas")`` gives columns
        ``"50"``, ``"172"``... for integer movie ids; use :attr:`items_` for
        the labels themselves); ``x0, x1...`` without labels.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            As in scikit-learn: must match ``feature_names_in_`` when set.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self, "n_features_in_")
        if (
            input_features is None
            and not hasattr(self, "feature_names_in_")
            and not self._positional_items()
        ):
            return np.asarray([str(label) for label in self.items_], dtype=object)
        return super().get_feature_names_out(input_features)

    def predict(self, X):
        """Estimate every rating with a mean-centred neighbourhood average.

        ``r_uj = mu_j + sum_i s_ji (x_ui - mu_i) / sum_i |s_ji|`` over the
        user's items ``i`` among item ``j``'s kept neighbours (item-based
        KNNWithMeans), where ``mu`` are the fit-time item means. Without such
        a neighbour the estimate is ``mu_j``.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_users, n_items)
            Users' known ratings.

        Returns
        -------
        ratings : ndarray of shape (n_users, n_items)
            Dense estimates for every item, computed in blocks of users.
        """
        check_is_fitted(self)
        X = self._validate_interactions(X, reset=False)
        # neighbours of the target item j are row j of similarity_
        neighbours_t = sp.csr_array(self.similarity_.T)
        abs_neighbours_t = abs(neighbours_t)
        ratings = np.empty(X.shape, dtype=np.float64)
        for start in range(0, X.shape[0], _PREDICT_BLOCK):
            block = X[start : start + _PREDICT_BLOCK]
            centred = block.copy()
            centred.data -= self.item_means_[centred.indices]
            known = block.copy()
            known.data[:] = 1.0
            numerator = (centred @ neighbours_t).toarray()
            denominator = (known @ abs_neighbours_t).toarray()
            np.divide(numerator, denominator, out=numerator, where=denominator > 0)
            numerator[denominator <= 0] = 0.0
            ratings[start : start + block.shape[0]] = self.item_means_ + numerator
        return ratings

    def score(self, X, y=None):
        """NDCG@10 on hidden interactions of the users of ``X``.

        A deterministic 20% of each user's interactions (at least one, and
        never the user's last one; seed 0) is hidden, the model folds each
        user in from the rest and recommends 10 unseen items. Users are the
        samples, so cross-validation holds whole users out. Use
        :func:`make_recommendation_scorer` for another metric, cut-off or
        hold-out.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_users, n_items)
            Interactions of the users to evaluate.
        y : None
            Ignored.

        Returns
        -------
        score : float
            Mean NDCG@10 over the users with a hidden interaction.
        """
        check_is_fitted(self)
        X_train, X_test = train_test_split_interactions(
            X, test_size=0.2, random_state=0
        )
        return ndcg_at_k(X_test, self._recommend_indices(X_train, 10), k=10)


def _column_labels(X):
    """A DataFrame's column labels as an array (None for other input)."""
    if isinstance(X, pd.DataFrame):
        return X.columns.to_numpy().copy()
    return None


def _as_label_list(items):
    """``items=`` of :meth:`recommend` as a list of labels; a lone label
    (a string, a number) is a list of one."""
    if isinstance(items, (str, bytes)) or not np.iterable(items):
        return [items]
    return list(items)


def _is_bool(label):
    return isinstance(label, (bool, np.bool_))


def _is_integer(label):
    return isinstance(label, Integral) and not _is_bool(label)


def _same_kind(label, known):
    """Whether ``label``, equal to the fitted label ``known``, is of its
    kind: a bool only for a bool, an integer for an integer (``True == 1``
    and ``1.0 == 1`` in Python, yet neither names item 1)."""
    if _is_bool(label) != _is_bool(known):
        return False
    return not _is_integer(known) or _is_integer(label)


def _rescaled(values):
    """``values`` times a power of two that brings the largest magnitude
    near 1, when it is far from 1.

    The similarities do not depend on the scale, but squared values (the
    norms) overflow above about 1e154 and underflow below about 1e-154,
    which would leave every item without neighbours. A power of two scales
    every product and sum exactly, so the result is otherwise unchanged.
    """
    # max and min rather than abs().max(): no temporary copy of the values
    largest = max(values.max(), -values.min()) if values.size else 0.0
    if largest == 0.0 or 2.0**-100 <= largest <= 2.0**100:
        return values
    return np.ldexp(values, -np.frexp(largest)[1])


def _compact_to_csr(neighbours, similarities, counts):
    """CSR from the kernel's ``(n_items, k)`` neighbour arrays (rows in column
    order, ``counts[i]`` entries used in row ``i``)."""
    n_items = neighbours.shape[0]
    indptr = np.zeros(n_items + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    # shift the rows together in place: views of the kernel's buffers, never
    # a second copy of them
    _similarity.compact_rows(neighbours, similarities, counts)
    indices = neighbours.reshape(-1)[: indptr[-1]]
    data = similarities.reshape(-1)[: indptr[-1]]
    similarity = sp.csr_array((data, indices, indptr), shape=(n_items, n_items))
    similarity.has_sorted_indices = True  # the kernel wrote rows in order
    return similarity


def _unsigned(index_array):
    """``uint32`` view (or copy) of a non-negative index array.

    numba checks every signed index for Python-style negative wrap-around;
    unsigned indices skip that test, which is measurable in the hot loops.
    """
    if index_array.dtype == np.int32:
        return index_array.view(np.uint32)
    if index_array.size and index_array.max() > np.iinfo(np.uint32).max:
        return index_array.astype(np.uint64)
    return index_array.astype(np.uint32)


def _popularity_rank(popularity):
    """Rank 0 for the most popular item; ties go to the smaller column."""
    order = np.lexsort((np.arange(popularity.size), -popularity))
    rank = np.empty(popularity.size, dtype=np.int64)
    rank[order] = np.arange(popularity.size)
    return rank


class _n_threads:
    """Context manager running numba kernels with ``n_jobs`` threads."""

    def __init__(self, n_jobs):
        n_cores = numba.config.NUMBA_NUM_THREADS
        if n_jobs is None or n_jobs == -1:
            self.n = n_cores
        elif n_jobs < -1:
            self.n = max(1, n_cores + 1 + n_jobs)
        else:
            self.n = max(1, min(n_jobs, n_cores))

    def __enter__(self):
        self.previous = numba.get_num_threads()
        numba.set_num_threads(self.n)
        # hand chunks to threads one at a time, so a thread slowed down by
        # heavy rows or by other processes does not hold back the others
        self.previous_chunksize = numba.set_parallel_chunksize(1)

    def __exit__(self, *exc):
        numba.set_parallel_chunksize(self.previous_chunksize)
        numba.set_num_threads(self.previous)
