"""The training schedule: a frozen first phase, then fine-tuning; restarts."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skneuro import KerasClassifier, TransferClassifier
from tests.transfer.conftest import QUICK, layer_weights

BODY = ("hidden_0", "hidden_1")


def _assert_layers_equal(actual: dict, expected: dict, names):
    for name in names:
        for a, e in zip(actual[name], expected[name], strict=True):
            assert_array_equal(a, e, err_msg=name)


def _moved(before: dict, after: dict, name) -> bool:
    return any(
        not np.array_equal(a, b) for a, b in zip(before[name], after[name], strict=True)
    )


@pytest.mark.parametrize("unfreeze", [1, "all"])
def test_freeze_phase_then_fine_tune_phase(
    unfreeze, digits_source, few_shot_target, weight_recorder
):
    X, y, _, _ = few_shot_target
    clf = TransferClassifier(
        digits_source, unfreeze=unfreeze, callbacks=[weight_recorder], **QUICK
    ).fit(X, y)
    source = layer_weights(digits_source.model_)
    (head_start, fine_start), (head_end, fine_end) = (
        weight_recorder.starts,
        weight_recorder.ends,
    )

    # phase 1: only the head trains; the reused body does not move
    assert head_start["trainable"] == {
        "hidden_0": False,
        "hidden_1": False,
        "output": True,
    }
    _assert_layers_equal(head_end["weights"], source, BODY)
    assert _moved(head_start["weights"], head_end["weights"], "output")
    assert head_start["learning_rate"] == pytest.approx(0.01)

    # phase 2: the top `unfreeze` reused layers train too, at a tenth of the
    # first learning rate (fine_tune_learning_rate=None)
    assert fine_start["trainable"] == {
        "hidden_0": unfreeze == "all",
        "hidden_1": True,
        "output": True,
    }
    assert fine_start["learning_rate"] == pytest.approx(0.001)
    assert _moved(fine_start["weights"], fine_end["weights"], "hidden_1")
    assert _moved(fine_start["weights"], fine_end["weights"], "hidden_0") == (
        unfreeze == "all"
    )

    # both phases are in the history, one label per epoch
    assert clf.history_["phase"] == ["head"] * 5 + ["fine_tune"] * 3
    assert len(clf.history_["loss"]) == clf.n_iter_ == 8


def test_no_freeze_and_explicit_fine_tune_learning_rate(
    digits_source, few_shot_target, weight_recorder
):
    X, y, _, _ = few_shot_target
    clf = TransferClassifier(
        digits_source,
        freeze=False,
        fine_tune_learning_rate=0.003,
        callbacks=[weight_recorder],
        **QUICK,
    ).fit(X, y)
    first, second = weight_recorder.starts
    assert all(first["trainable"].values())
    assert second["learning_rate"] == pytest.approx(0.003)
    assert clf.history_["phase"] == ["train"] * 5 + ["fine_tune"] * 3


def test_no_fine_tune_phase(digits_source, few_shot_target):
    X, y, _, _ = few_shot_target
    clf = TransferClassifier(digits_source, **{**QUICK, "fine_tune_epochs": 0})
    clf.fit(X, y)
    assert clf.history_["phase"] == ["head"] * 5


def test_tol_stops_each_phase_separately(digits_source, few_shot_target):
    X, y, _, _ = few_shot_target
    # No epoch improves the loss by 10: each phase stops after
    # n_iter_no_change + 1 epochs, and the second phase still runs.
    clf = TransferClassifier(
        digits_source,
        **{**QUICK, "epochs": 50, "fine_tune_epochs": 50},
        n_iter_no_change=2,
    ).set_params(tol=10.0)
    clf.fit(X, y)
    assert clf.history_["phase"] == ["head"] * 3 + ["fine_tune"] * 3


def _batch_norm_builder(meta):
    import keras

    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(16, activation="relu", name="hidden_0"),
            keras.layers.BatchNormalization(name="batch_norm"),
            keras.layers.Dense(8, activation="relu", name="hidden_1"),
            keras.layers.Dense(meta["n_classes_"], activation="softmax", name="out"),
        ]
    )


def test_batch_normalization_of_frozen_block_runs_in_inference_mode(
    digits_halves, few_shot_target, weight_recorder
):
    X_a, _, y_a, _ = digits_halves
    X, y, _, _ = few_shot_target
    source = KerasClassifier(
        _batch_norm_builder, epochs=10, learning_rate=0.01, tol=None, random_state=0
    ).fit(X_a, y_a)
    clf = TransferClassifier(
        source, unfreeze="all", callbacks=[weight_recorder], **QUICK
    ).fit(X, y)
    for snapshot in weight_recorder.starts:  # both phases
        assert snapshot["trainable"]["batch_norm"] is False
    # The fine-tuned layers around it moved, but the batch statistics (and
    # scale / offset) are still the source's: no batch ever updated them ...
    assert _moved(
        weight_recorder.starts[1]["weights"], layer_weights(clf.model_), "hidden_0"
    )
    _assert_layers_equal(
        layer_weights(clf.model_), layer_weights(source.model_), ["batch_norm"]
    )
    # ... and the layer normalises with them even in training mode.
    inputs = X.astype(np.float32)
    assert_allclose(
        np.asarray(clf.model_(inputs, training=True)),
        np.asarray(clf.model_(inputs, training=False)),
        rtol=1e-6,
    )


def test_every_fit_restarts_from_the_source(digits_source, few_shot_target):
    X, y, X_test, y_test = few_shot_target
    clf = TransferClassifier(digits_source, **QUICK)
    first = clf.fit(X, y).predict_proba(X_test)
    second = clf.fit(X, y).predict_proba(X_test)
    assert_array_equal(first, second)  # same seed, same start: identical
    # fitting other data in between leaves no trace either
    other = TransferClassifier(digits_source, **QUICK).fit(X_test[:40], y_test[:40])
    assert_array_equal(other.fit(X, y).predict_proba(X_test), first)
    assert clf.n_iter_ == 8 and len(clf.history_["phase"]) == 8


def test_warm_start_continues_the_fitted_network(
    digits_source, few_shot_target, weight_recorder
):
    X, y, _, _ = few_shot_target
    clf = TransferClassifier(digits_source, warm_start=True, **QUICK).fit(X, y)
    after_first = layer_weights(clf.model_)
    clf.set_params(callbacks=[weight_recorder]).fit(X, y)
    _assert_layers_equal(
        weight_recorder.starts[0]["weights"], after_first, ["hidden_0", "output"]
    )
    assert clf.history_["phase"] == (["head"] * 5 + ["fine_tune"] * 3) * 2
    assert weight_recorder.starts[0]["trainable"]["hidden_0"] is False


def test_partial_fit_starts_from_the_source_then_continues(
    digits_source, few_shot_target, weight_recorder
):
    X, y, _, _ = few_shot_target
    clf = TransferClassifier(digits_source, callbacks=[weight_recorder], **QUICK)
    clf.partial_fit(X, y)
    clf.partial_fit(X, y)
    _assert_layers_equal(
        weight_recorder.starts[0]["weights"],
        layer_weights(digits_source.model_),
        ["hidden_0", "hidden_1", "output"],
    )
    _assert_layers_equal(
        weight_recorder.starts[1]["weights"],
        weight_recorder.ends[0]["weights"],
        ["output"],
    )
    assert clf.history_["phase"] == ["head", "head"]
