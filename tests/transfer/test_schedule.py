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

    # phase 2: the top `unfreeze` reused layers train too, at the first
    # phase's learning rate (fine_tune_learning_rate=None)
    assert fine_start["trainable"] == {
        "hidden_0": unfreeze == "all",
        "hidden_1": True,
        "output": True,
    }
    assert fine_start["learning_rate"] == pytest.approx(0.01)
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
        fine_tune_learning_rate=0.003,
        callbacks=[weight_recorder],
        **{**QUICK, "freeze": False},
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


# -- early stopping and routed parameters in both phases --------------------

# Every schedule parameter explicit (the defaults are not part of these tests).
TWO_PHASES = {**QUICK, "fine_tune_learning_rate": 0.004}


def _epoch_recorder():
    """A callback recording layer weights after every epoch and at the end
    of each phase, and the optimizer each phase trains with."""
    import keras

    class EpochRecorder(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.epochs, self.ends, self.optimizers, self.params_seen = {}, [], [], []

        def on_train_begin(self, logs=None):
            optimizer = self.model.optimizer
            self.optimizers.append(
                {
                    "object": optimizer,
                    "type": type(optimizer).__name__,
                    "learning_rate": float(np.asarray(optimizer.learning_rate)),
                    "iterations": int(np.asarray(optimizer.iterations)),
                    "config": optimizer.get_config(),
                }
            )
            self.params_seen.append(dict(self.params))

        def on_epoch_end(self, epoch, logs=None):
            self.epochs[epoch] = layer_weights(self.model)

        def on_train_end(self, logs=None):
            self.ends.append(layer_weights(self.model))

    return EpochRecorder()


def _stopping_epochs(values, patience, min_delta):
    """After how many of ``values`` (lower is better) Keras' EarlyStopping
    stops, or None if it does not stop within them."""
    best, wait = np.inf, 0
    for epoch, value in enumerate(values, start=1):
        if value - min_delta < best:
            best, wait = value, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch
    return None


def _phase_slices(labels):
    """``{phase: slice of its epochs}``, checking each phase is contiguous."""
    slices = {}
    for phase in dict.fromkeys(labels):
        epochs = [i for i, label in enumerate(labels) if label == phase]
        assert epochs == list(range(epochs[0], epochs[-1] + 1)), labels
        slices[phase] = slice(epochs[0], epochs[-1] + 1)
    return slices


def test_early_stopping_holds_out_validation_data_in_both_phases(
    digits_source, few_shot_target
):
    X, y, _, _ = few_shot_target
    recorder = _epoch_recorder()
    max_epochs = 60
    clf = TransferClassifier(
        digits_source,
        **{
            **TWO_PHASES,
            "epochs": max_epochs,
            "fine_tune_epochs": max_epochs,
            "learning_rate": 0.05,
            "fine_tune_learning_rate": 0.01,
            "tol": 0.0,
        },
        head="new",  # a head to learn: the validation loss falls for a while
        early_stopping=True,
        n_iter_no_change=2,
        validation_fraction=1 / 3,  # 10 rows, one per digit
        callbacks=[recorder],
    ).fit(X, y)
    history = clf.history_
    labels = history["phase"]
    phases = _phase_slices(labels)
    assert list(phases) == ["head", "fine_tune"]

    # every epoch of both phases reports a validation loss
    assert len(history["val_loss"]) == len(history["loss"]) == clf.n_iter_
    assert clf.n_iter_ == len(labels)
    assert np.all(np.isfinite(history["val_loss"]))

    for phase, epochs in phases.items():
        val_loss = history["val_loss"][epochs]
        n_epochs = epochs.stop - epochs.start
        # each phase stopped early, on its own validation loss: the rule
        # restarts with the phase (tol=0: any decrease is progress) ...
        assert 3 <= n_epochs < max_epochs, phase
        assert n_epochs == _stopping_epochs(val_loss, patience=2, min_delta=0.0)
        # ... and not on the training loss, which was still falling
        assert _stopping_epochs(history["loss"][epochs], 2, 0.0) is None
        # the phase ends with the weights of its best validation epoch
        best = epochs.start + int(np.argmin(val_loss))
        assert best < epochs.stop - 1
        end = recorder.ends[list(phases).index(phase)]
        _assert_layers_equal(end, recorder.epochs[best], list(end))
        assert _moved(recorder.epochs[epochs.stop - 2], end, "transfer_head")


def test_large_tol_stops_each_phase_on_its_validation_loss(
    digits_source, few_shot_target
):
    X, y, _, _ = few_shot_target
    # No epoch improves the validation loss by 10: each phase keeps its
    # first epoch's weights and stops after n_iter_no_change more epochs.
    recorder = _epoch_recorder()
    clf = TransferClassifier(
        digits_source,
        **{**TWO_PHASES, "epochs": 50, "fine_tune_epochs": 50, "tol": 10.0},
        early_stopping=True,
        n_iter_no_change=2,
        validation_fraction=1 / 3,
        callbacks=[recorder],
        fit__batch_size=10,
    ).fit(X, y)
    assert clf.history_["phase"] == ["head"] * 3 + ["fine_tune"] * 3
    assert len(clf.history_["val_loss"]) == 6
    # both phases train on the same 20 rows (two batches of 10), never on
    # the 10 held out
    assert [p["steps"] for p in recorder.params_seen] == [2, 2]
    for end, best in zip(recorder.ends, [0, 3], strict=True):
        _assert_layers_equal(end, recorder.epochs[best], list(end))


def test_validation_split_reports_both_phases(digits_source, few_shot_target):
    X, y, _, _ = few_shot_target
    clf = TransferClassifier(
        digits_source, **TWO_PHASES, validation_split=0.2, early_stopping=False
    ).fit(X, y)
    assert clf.history_["phase"] == ["head"] * 5 + ["fine_tune"] * 3
    assert len(clf.history_["val_loss"]) == 8


@pytest.mark.parametrize(
    "optimizer, routed",
    [("adam", {"beta_1": 0.5, "epsilon": 1e-5}), ("sgd", {"momentum": 0.7})],
)
def test_routed_parameters_reach_the_fine_tuning_phase(
    optimizer, routed, digits_source, few_shot_target
):
    X, y, _, _ = few_shot_target
    recorder = _epoch_recorder()
    clf = TransferClassifier(
        digits_source,
        **TWO_PHASES,
        optimizer=optimizer,
        metrics=["accuracy"],
        callbacks=[recorder],
        fit__batch_size=10,
        **{f"optimizer__{name}": value for name, value in routed.items()},
    ).fit(X, y)
    first, second = recorder.optimizers
    assert first["type"] == second["type"] == type(clf.model_.optimizer).__name__
    assert first["type"].lower() == optimizer
    for name, value in routed.items():
        assert first["config"][name] == pytest.approx(value), name
        assert second["config"][name] == pytest.approx(value), name
        assert float(np.asarray(getattr(clf.model_.optimizer, name))) == (
            pytest.approx(value)
        )
    # learning_rate for the first phase, fine_tune_learning_rate for the second
    assert first["learning_rate"] == pytest.approx(0.01)
    assert second["learning_rate"] == pytest.approx(0.004)
    assert float(np.asarray(clf.model_.optimizer.learning_rate)) == pytest.approx(0.004)
    # the second phase has a fresh optimizer, the fitted model keeps it: three
    # epochs of three batches of 10 rows (fit__batch_size reached it too)
    assert second["object"] is not first["object"]
    assert second["iterations"] == 0
    assert clf.model_.optimizer is second["object"]
    assert int(np.asarray(clf.model_.optimizer.iterations)) == 3 * 3
    assert [p["steps"] for p in recorder.params_seen] == [3, 3]
    # the compiled metrics are reported in both phases
    assert len(clf.history_["accuracy"]) == clf.n_iter_ == 8


def test_routed_learning_rate_takes_precedence_when_training_continues(
    digits_source, few_shot_target
):
    """``optimizer__learning_rate`` takes precedence over ``learning_rate``
    (as documented): in the first phase of the first fit, and also when a
    warm-started ``fit`` or a ``partial_fit`` continues the first phase."""
    X, y, _, _ = few_shot_target
    params = {
        **TWO_PHASES,
        "optimizer__learning_rate": 0.02,
        "optimizer__beta_1": 0.5,
    }
    warm = _epoch_recorder()
    clf = TransferClassifier(digits_source, **params, warm_start=True, callbacks=[warm])
    clf.fit(X, y).fit(X, y)
    partial = _epoch_recorder()
    clf = TransferClassifier(digits_source, **params, callbacks=[partial])
    clf.partial_fit(X, y).partial_fit(X, y)

    rates = [o["learning_rate"] for o in warm.optimizers]
    assert rates == pytest.approx([0.02, 0.004, 0.02, 0.004])
    assert [o["learning_rate"] for o in partial.optimizers] == pytest.approx(
        [0.02, 0.02]
    )
    for optimizer in [*warm.optimizers, *partial.optimizers]:
        assert optimizer["config"]["beta_1"] == pytest.approx(0.5)
