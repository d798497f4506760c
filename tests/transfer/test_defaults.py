"""The default schedule, chosen on benchmarks/bench_transfer.py, does its job.

The benchmark's shifted-domain task in small: the source knows clean digits,
the target is other images of the same digits with halved contrast and
pixel noise, three labelled images per class. Transfer with every default
must beat the same network trained from scratch and the source as it is.
"""

import numpy as np
import pytest

from skneuro import TransferClassifier
from tests.transfer.conftest import few_shot


@pytest.fixture(scope="module")
def noisy_target(digits_halves):
    _, X_b, _, y_b = digits_halves
    noise = np.random.default_rng(0).normal(0.0, 0.25, size=X_b.shape)
    X_noisy = np.clip(0.25 + 0.5 * X_b + noise, 0.0, 1.0)
    train, test = few_shot(y_b, 3)
    return X_noisy[train], y_b[train], X_noisy[test], y_b[test]


def test_defaults_train_every_layer_in_one_phase(digits_source, noisy_target):
    X, y, X_test, y_test = noisy_target
    clf = TransferClassifier(digits_source, random_state=0)
    params = clf.get_params()
    assert (params["freeze"], params["fine_tune_epochs"]) == (False, 0)
    assert (params["learning_rate"], params["epochs"]) == (0.003, 100)
    clf.fit(X, y)
    assert 0 < clf.n_iter_ <= 100
    assert clf.history_["phase"] == ["train"] * clf.n_iter_
    # the classes are the source's, so its head is kept (no new layer)
    assert "transfer_head" not in [layer.name for layer in clf.model_.layers]
    assert all(layer.trainable for layer in clf.model_.layers if layer.weights)
    assert float(np.asarray(clf.model_.optimizer.learning_rate)) == pytest.approx(0.003)

    transfer = clf.score(X_test, y_test)
    scratch = (
        TransferClassifier(hidden_layer_sizes=(16, 8), random_state=0)
        .fit(X, y)
        .score(X_test, y_test)
    )
    source_only = digits_source.score(X_test, y_test)
    # measured: transfer 0.43, scratch 0.23, source as it is 0.29
    assert transfer > scratch + 0.1
    assert transfer > source_only + 0.05
