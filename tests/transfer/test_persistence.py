"""Pickle and joblib round trips of fitted transfer estimators.

A fitted transfer estimator holds its ``source`` (a parameter) next to the
fine-tuned copy of its network and, for a Pipeline source, a copy of the
source's fitted preprocessing. All of it must travel: the copy predicts
bit-identically, its source is still a usable fitted source, and pickling
leaves the caller's source untouched.
"""

import pickle

import joblib
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skneuro import KerasClassifier, TransferClassifier, TransferRegressor
from tests.conftest import ROUND_TRIPS, pickle_round_trip
from tests.transfer.conftest import (
    QUICK,
    checksums_at_fit,
    source_checksums,
    weight_checksums,
)

# QUICK sets every schedule parameter: a frozen phase of 5 epochs, then 3 of
# fine-tuning, whatever the estimators' defaults.
PHASES = ["head"] * 5 + ["fine_tune"] * 3


SOURCES = {"keras": "digits_source", "pipeline": "pipeline_source", "mlp": "mlp_source"}
KINDS = {"classifier": TransferClassifier, "regressor": TransferRegressor}


@pytest.fixture(
    scope="module",
    params=[(kind, source) for kind in KINDS for source in SOURCES],
    ids=lambda p: "-".join(p),
)
def fitted(request, few_shot_target):
    """A transfer estimator fitted from each kind of source, and its data."""
    kind, source_name = request.param
    source = request.getfixturevalue(SOURCES[source_name])
    X, y, X_test, y_test = few_shot_target
    if kind == "regressor":
        y, y_test = y / 9.0, y_test / 9.0
    est = KINDS[kind](source, **QUICK).fit(X, y)
    return est, source, X, y, X_test


def _assert_same_source(copy, source, X):
    """``copy`` is an independent, bit-identical twin of the fitted source."""
    assert copy is not source
    assert source_checksums(copy) == source_checksums(source)
    assert_array_equal(copy.predict(X), source.predict(X))
    assert_array_equal(copy.predict_proba(X), source.predict_proba(X))


@pytest.mark.parametrize("round_trip", sorted(ROUND_TRIPS))
def test_round_trip_predicts_identically(fitted, round_trip):
    est, source, X, y, X_test = fitted
    before = source_checksums(source)
    assert before == checksums_at_fit(source)
    copy = ROUND_TRIPS[round_trip](est)
    # pickling read the source and changed nothing in it
    assert source_checksums(source) == before

    assert type(copy) is type(est) and copy.model_ is not est.model_
    assert weight_checksums(copy.model_) == weight_checksums(est.model_)
    assert_array_equal(copy.predict(X_test), est.predict(X_test))
    if isinstance(est, TransferClassifier):
        assert_array_equal(copy.predict_proba(X_test), est.predict_proba(X_test))
        assert_array_equal(copy.classes_, est.classes_)
    assert copy.score(X, y) == est.score(X, y)
    assert copy.history_ == est.history_
    assert copy.history_["phase"] == est.history_["phase"] == PHASES
    assert copy.n_iter_ == est.n_iter_ == len(PHASES)
    assert copy.get_params().keys() == est.get_params().keys()
    # the unpickled source is the fitted source, and a separate object
    _assert_same_source(copy.source, source, X_test)


def test_pipeline_source_preprocessing_survives_the_round_trip(
    pipeline_source, few_shot_target
):
    X, y, X_test, _ = few_shot_target
    scaler = pipeline_source[0]
    est = TransferClassifier(pipeline_source, **QUICK).fit(X, y)
    for round_trip in ROUND_TRIPS.values():
        copy = round_trip(est)
        assert isinstance(copy.preprocessing_, Pipeline)
        assert len(copy.preprocessing_) == 1
        copied = copy.preprocessing_[0]
        assert isinstance(copied, StandardScaler)
        # the source's statistics, in a scaler of the copy's own
        assert_array_equal(copied.mean_, scaler.mean_)
        assert_array_equal(copied.scale_, scaler.scale_)
        assert copied is not copy.source[0] and copied is not scaler
        assert_array_equal(
            copy.preprocessing_.transform(X_test), scaler.transform(X_test)
        )
        # and the copy predicts through it exactly as the original does
        assert_array_equal(copy.predict_proba(X_test), est.predict_proba(X_test))
        # the scaler matters: raw inputs would give other predictions
        raw = np.asarray(copy.model_(X_test.astype(np.float32), training=False))
        assert not np.allclose(raw, copy.predict_proba(X_test))
    assert source_checksums(pipeline_source) == checksums_at_fit(pipeline_source)


def test_refit_after_a_round_trip_starts_from_the_unpickled_source(fitted):
    """Refitting the copy transfers again from its own (unpickled) source:
    the same weights and seed give the same network, bit for bit."""
    est, source, X, y, X_test = fitted
    copy = pickle_round_trip(est)
    copy.fit(X, y)
    assert weight_checksums(copy.model_) == weight_checksums(est.model_)
    assert_array_equal(copy.predict(X_test), est.predict(X_test))
    assert copy.history_ == est.history_
    assert source_checksums(copy.source) == source_checksums(source)
    assert source_checksums(source) == checksums_at_fit(source)


def test_pickling_is_deterministic(fitted):
    """Pickling twice gives the same bytes, source included, so that
    scikit-learn's checks on parameters (``joblib.hash``) see no change."""
    est, source, _, _, _ = fitted
    pickled = pickle.dumps(est)
    assert pickle.dumps(est) == pickled
    assert b"date_saved" not in pickled
    assert joblib.hash(est.source) == joblib.hash(source)
    assert joblib.hash(pickle_round_trip(est)) == joblib.hash(est)


def test_unfitted_round_trip_keeps_the_fitted_source(digits_source):
    est = TransferClassifier(digits_source, unfreeze=1, optimizer__beta_1=0.8, **QUICK)
    for round_trip in ROUND_TRIPS.values():
        copy = round_trip(est)
        assert not hasattr(copy, "model_")
        params, expected = copy.get_params(), est.get_params()
        assert params.pop("source") is not expected.pop("source")
        assert params == expected
        assert isinstance(copy.source, KerasClassifier)
        assert source_checksums(copy.source) == source_checksums(digits_source)
