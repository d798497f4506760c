"""Input checks shared by the recommender, the splitter and the metrics."""

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import InvalidParameterError


def _check_no_duplicates(X):
    """Refuse sparse input that holds a (user, item) pair more than once."""
    if X.format == "coo":
        keys = X.row.astype(np.int64) * X.shape[1] + X.col
        duplicated = np.unique(keys).size != keys.size
    else:
        duplicated = not X.has_canonical_format and _csr_has_duplicates(X)
    if duplicated:
        raise ValueError(
            "X holds some (user, item) pairs more than once. They are not "
            "summed silently: aggregate them first, e.g. with "
            "InteractionEncoder(duplicates='sum' | 'max' | 'last')."
        )


def _csr_has_duplicates(X):
    compressed = X.tocsr() if X.format == "csc" else X
    major = np.repeat(
        np.arange(compressed.shape[0], dtype=np.int64), np.diff(compressed.indptr)
    )
    keys = major * compressed.shape[1] + compressed.indices
    return np.unique(keys).size != keys.size


def _check_positive_int(value, name, *, allow_none=False):
    """Refuse anything but a positive int (``bool`` is not a count).

    The error is scikit-learn's InvalidParameterError, both a ValueError and
    a TypeError, as for the estimator's own parameters.
    """
    if value is None and allow_none:
        return
    if not isinstance(value, Integral) or isinstance(value, (bool, np.bool_)):
        ok = False
    else:
        ok = value >= 1
    if not ok:
        expected = "a positive integer or None" if allow_none else "a positive integer"
        raise InvalidParameterError(f"{name} must be {expected}, got {value!r}.")


def _check_bool(value, name):
    """Refuse truthy stand-ins ("no", 0, 1) for a boolean switch."""
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidParameterError(
            f"{name} must be a bool, got {value!r} ({type(value).__name__})."
        )
