"""Per-user hold-out of interactions."""

from numbers import Integral, Real

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_array

from ._validation import _check_no_duplicates


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "test_size": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
        "min_train": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def train_test_split_interactions(X, *, test_size=0.2, random_state=None, min_train=1):
    """Hide a fraction of every user's interactions.

    Each row (user) keeps at least ``min_train`` of its interactions; of the
    rest, ``max(1, round(test_size * n_u))`` chosen at random move to the test
    matrix (none when the user has ``min_train`` interactions or fewer). Both
    matrices keep the shape of ``X``, so a model folds in ``X_train`` and is
    judged on ``X_test``, user by user.

    Parameters
    ----------
    X : {array-like, sparse matrix, DataFrame} of shape (n_users, n_items)
        Interactions; zero means none. NaN and infinite values are rejected,
        and so are (user, item) pairs stored twice in sparse input (as by
        :class:`~skneuro.ItemKNNRecommender`: one copy could be hidden and
        the other kept).
    test_size : float, default=0.2
        Fraction of each user's interactions to hide, in (0, 1).
    random_state : int, RandomState instance or None, default=None
        Seed of the selection; an int makes it deterministic.
    min_train : int, default=1
        Interactions every user keeps in ``X_train``.

    Returns
    -------
    X_train, X_test : same container type as ``X``
        CSR (matrix or array, like ``X``) for sparse input, ndarray or
        DataFrame for dense input. ``X_train + X_test == X``.

    Examples
    --------
    >>> import numpy as np
    >>> from skneuro.recommend import train_test_split_interactions
    >>> X = np.array([[1, 1, 1, 1, 1], [0, 2, 0, 3, 0]])
    >>> X_train, X_test = train_test_split_interactions(X, random_state=0)
    >>> (X_test != 0).sum(axis=1)
    array([1, 1])
    >>> bool(((X_train + X_test) == X).all())
    True
    """
    csr = _to_csr(X)
    rng = check_random_state(random_state)
    n_per_user = np.diff(csr.indptr)
    n_test = np.maximum(1, np.rint(test_size * n_per_user)).astype(np.int64)
    n_test = np.clip(n_test, 0, np.maximum(n_per_user - min_train, 0))
    # rank the interactions of each user by a random key; the lowest
    # n_test ranks are hidden
    rows = np.repeat(np.arange(csr.shape[0]), n_per_user)
    order = np.lexsort((rng.random(csr.nnz), rows))
    rank_in_row = np.empty(csr.nnz, dtype=np.int64)
    rank_in_row[order] = np.arange(csr.nnz) - np.repeat(csr.indptr[:-1], n_per_user)
    hidden = rank_in_row < n_test[rows]
    test = _masked(csr, hidden)
    train = _masked(csr, ~hidden)
    return _like(X, train), _like(X, test)


def _to_csr(X):
    """Canonical CSR copy of ``X`` (explicit zeros dropped); ``X`` is left
    as it is."""
    X = check_array(
        X,
        accept_sparse=("csr", "csc", "coo"),
        ensure_all_finite=True,
        dtype="numeric",
    )
    if sp.issparse(X):
        _check_no_duplicates(X)
    csr = sp.csr_array(X, copy=True)
    csr.eliminate_zeros()
    csr.sort_indices()
    return csr


def _masked(csr, keep):
    """The entries of ``csr`` where ``keep`` is true, same shape."""
    counts = np.add.reduceat(keep, csr.indptr[:-1]) if csr.nnz else None
    indptr = np.zeros_like(csr.indptr)
    if counts is not None:
        # reduceat returns keep[start] for empty rows: zero them
        counts = np.where(np.diff(csr.indptr) > 0, counts, 0)
        np.cumsum(counts, out=indptr[1:])
    return sp.csr_array((csr.data[keep], csr.indices[keep], indptr), shape=csr.shape)


def _like(X, csr):
    """Return ``csr`` in the container type of ``X``."""
    if isinstance(X, pd.DataFrame):
        return pd.DataFrame(csr.toarray(), index=X.index, columns=X.columns)
    if sp.issparse(X):
        return csr if isinstance(X, sp.sparray) else sp.csr_matrix(csr)
    return csr.toarray()
