"""Long interaction tables to user x item matrices, with stable id mappings."""

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted


class InteractionEncoder(BaseEstimator):
    """Turn a long ``(user, item[, value])`` table into a user x item matrix.

    :meth:`fit` fixes the mappings: :attr:`users_` and :attr:`items_` are the
    sorted distinct labels (any hashable, sortable type: ints, strings...),
    row ``r`` of every matrix built later is user ``users_[r]`` and column
    ``c`` is item ``items_[c]``. :meth:`transform` builds the matrix of a
    table on those mappings, so matrices of different tables line up.

    Parameters
    ----------
    user_col, item_col : str, default="user", "item"
        Columns holding the user and item labels.
    value_col : str or None, default=None
        Column of values (ratings, counts); None means every row is one
        implicit interaction of value 1.
    duplicates : {"raise", "sum", "max", "last"}, default="raise"
        What to do with a (user, item) pair listed more than once: raise a
        ValueError, add the values, keep the largest, or keep the value of
        the last such row in table order.
    handle_unknown : {"error", "ignore"}, default="error"
        What :meth:`transform` does with a user or item not seen in fit:
        raise a ValueError, or drop those rows of the table.
    items : array-like or None, default=None
        Fixed item catalogue (column order) instead of the items of the
        table given to fit, e.g. ``items=encoder.items_`` to encode new users
        (fit on their table) against an existing catalogue.

    Attributes
    ----------
    users_ : ndarray
        User label of each row.
    items_ : ndarray
        Item label of each column.

    Examples
    --------
    >>> import pandas as pd
    >>> from skneuro.recommend import InteractionEncoder
    >>> table = pd.DataFrame({"user": ["ann", "bob", "ann", "ann"],
    ...                       "item": ["x", "y", "y", "x"],
    ...                       "rating": [3, 5, 4, 1]})
    >>> encoder = InteractionEncoder(value_col="rating", duplicates="last")
    >>> X = encoder.fit_transform(table)
    >>> encoder.users_, encoder.items_
    (array(['ann', 'bob'], dtype=object), array(['x', 'y'], dtype=object))
    >>> X.toarray()
    array([[1., 4.],
           [0., 5.]])
    """

    _parameter_constraints: dict = {
        "user_col": [str],
        "item_col": [str],
        "value_col": [str, None],
        "duplicates": [StrOptions({"raise", "sum", "max", "last"})],
        "handle_unknown": [StrOptions({"error", "ignore"})],
        "items": ["array-like", None],
    }

    def __init__(
        self,
        user_col: str = "user",
        item_col: str = "item",
        value_col: str | None = None,
        *,
        duplicates: str = "raise",
        handle_unknown: str = "error",
        items=None,
    ):
        self.user_col = user_col
        self.item_col = item_col
        self.value_col = value_col
        self.duplicates = duplicates
        self.handle_unknown = handle_unknown
        self.items = items

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, table, y=None):
        """Learn the user and item mappings of ``table``.

        Parameters
        ----------
        table : DataFrame
            One row per interaction.
        y : None
            Ignored.

        Returns
        -------
        self : InteractionEncoder
        """
        table = self._check_table(table)
        self.users_ = _sorted_unique(table[self.user_col])
        if self.items is None:
            self.items_ = _sorted_unique(table[self.item_col])
        else:
            items = np.asarray(self.items)
            if len(pd.unique(items)) != len(items):
                raise ValueError("items holds a label more than once.")
            self.items_ = items
        return self

    def transform(self, table):
        """User x item CSR array of ``table`` on the fitted mappings.

        Parameters
        ----------
        table : DataFrame
            One row per interaction.

        Returns
        -------
        X : scipy.sparse.csr_array of shape (len(users_), len(items_))
        """
        check_is_fitted(self)
        table = self._check_table(table)
        rows = pd.Index(self.users_).get_indexer(table[self.user_col])
        cols = pd.Index(self.items_).get_indexer(table[self.item_col])
        known = (rows >= 0) & (cols >= 0)
        if not known.all() and self.handle_unknown == "error":
            unknown_users = pd.unique(table[self.user_col].to_numpy()[rows < 0])
            unknown_items = pd.unique(table[self.item_col].to_numpy()[cols < 0])
            raise ValueError(
                f"table holds {len(unknown_users)} user(s) and "
                f"{len(unknown_items)} item(s) not seen in fit (e.g. users "
                f"{list(unknown_users[:3])}, items {list(unknown_items[:3])}); "
                "set handle_unknown='ignore' to drop them."
            )
        if self.value_col is None:
            values = np.ones(len(table))
        else:
            values = table[self.value_col].to_numpy(dtype=np.float64)
        rows, cols, values = rows[known], cols[known], values[known]
        shape = (len(self.users_), len(self.items_))
        keys = rows.astype(np.int64) * shape[1] + cols
        unique_keys, inverse = np.unique(keys, return_inverse=True)
        if unique_keys.size != keys.size:
            values = self._merge_duplicates(unique_keys.size, inverse, values)
        else:
            # np.unique sorted the keys: put the values in the same order
            sorted_values = np.empty_like(values)
            sorted_values[inverse] = values
            values = sorted_values
        return sp.csr_array(
            (values, (unique_keys // shape[1], unique_keys % shape[1])), shape=shape
        )

    def fit_transform(self, table, y=None):
        """Fit the mappings on ``table`` and return its matrix.

        Parameters
        ----------
        table : DataFrame
            One row per interaction.
        y : None
            Ignored.

        Returns
        -------
        X : scipy.sparse.csr_array of shape (len(users_), len(items_))
            The user x item matrix of ``table``.
        """
        return self.fit(table).transform(table)

    def user_rows(self, users) -> np.ndarray:
        """Rows of the matrices that hold ``users`` (labels seen in fit).

        Parameters
        ----------
        users : array-like
            User labels.

        Returns
        -------
        rows : ndarray of int
            ``users_[rows]`` are ``users``; ``X[rows]`` are their rows.

        Examples
        --------
        >>> import pandas as pd
        >>> from skneuro.recommend import InteractionEncoder
        >>> table = pd.DataFrame({"user": [7, 3, 7], "item": ["a", "b", "b"]})
        >>> encoder = InteractionEncoder().fit(table)
        >>> encoder.user_rows([7])
        array([1])
        """
        return _positions(self, "users_", users, "user")

    def item_columns(self, items) -> np.ndarray:
        """Columns of the matrices that hold ``items`` (labels seen in fit).

        Parameters
        ----------
        items : array-like
            Item labels.

        Returns
        -------
        columns : ndarray of int
            ``items_[columns]`` are ``items``.

        Examples
        --------
        >>> import pandas as pd
        >>> from skneuro.recommend import InteractionEncoder
        >>> table = pd.DataFrame({"user": [7, 3, 7], "item": ["a", "b", "b"]})
        >>> InteractionEncoder().fit(table).item_columns(["b", "a"])
        array([1, 0])
        """
        return _positions(self, "items_", items, "item")

    def _merge_duplicates(self, n_unique, inverse, values):
        if self.duplicates == "raise":
            raise ValueError(
                f"table lists {inverse.size - n_unique} (user, item) pair(s) "
                "more than once; choose duplicates='sum', 'max' or 'last'."
            )
        if self.duplicates == "sum":
            return np.bincount(inverse, weights=values, minlength=n_unique)
        merged = (
            np.full(n_unique, -np.inf)
            if self.duplicates == "max"
            else np.empty(n_unique)
        )
        if self.duplicates == "max":
            np.maximum.at(merged, inverse, values)
        else:
            # fancy assignment keeps the last write for a repeated index
            merged[inverse] = values
        return merged

    def _check_table(self, table):
        if not isinstance(table, pd.DataFrame):
            raise TypeError(
                f"table must be a pandas DataFrame, got {type(table).__name__}."
            )
        columns = [self.user_col, self.item_col]
        if self.value_col is not None:
            columns.append(self.value_col)
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise ValueError(
                f"table has no column(s) {missing}; it has {list(table.columns)}."
            )
        if table[columns[:2]].isna().any(axis=None):
            raise ValueError("table has missing user or item labels.")
        if self.value_col is not None:
            values = pd.to_numeric(table[self.value_col], errors="coerce")
            if not np.isfinite(values.to_numpy(dtype=np.float64)).all():
                raise ValueError(f"column {self.value_col!r} must hold finite numbers.")
        return table


def _positions(encoder, attribute: str, wanted, kind: str) -> np.ndarray:
    """Positions of ``wanted`` in the fitted ``attribute``; all must be there."""
    check_is_fitted(encoder)
    labels = getattr(encoder, attribute)
    wanted = np.asarray(wanted)
    if wanted.ndim != 1:
        raise ValueError(
            f"Expected a 1-D list of {kind} labels; got shape {wanted.shape}."
        )
    positions = pd.Index(labels).get_indexer(wanted)
    if (positions < 0).any():
        unknown = pd.unique(wanted[positions < 0])
        raise ValueError(
            f"{len(unknown)} {kind}(s) not seen in fit, e.g. {list(unknown[:5])}."
        )
    return positions


def _sorted_unique(labels):
    """Distinct labels, sorted when they can be (else in first-seen order)."""
    unique = pd.unique(labels.to_numpy())
    try:
        return np.sort(unique)
    except TypeError:
        return unique
