"""What is reused (``n_reuse``), which head, and a different input width."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skneuro import KerasRegressor, TransferClassifier, TransferRegressor
from tests.transfer.conftest import QUICK, layer_weights

ONE_PHASE = {**QUICK, "fine_tune_epochs": 0}


def _weighted_layer_names(model):
    return [layer.name for layer in model.layers if layer.weights]


@pytest.mark.parametrize("n_reuse", [1, "hidden_0"])
def test_n_reuse_cuts_below_the_head(n_reuse, digits_source, few_shot_target):
    X, y, _, _ = few_shot_target
    clf = TransferClassifier(digits_source, n_reuse=n_reuse, **ONE_PHASE).fit(X, y)
    # hidden_1 and the source head are dropped; the head reading hidden_0
    # is new (the source's head reads hidden_1)
    assert _weighted_layer_names(clf.model_) == ["hidden_0", "transfer_head"]
    assert clf.model_.get_layer("transfer_head").get_weights()[0].shape == (16, 10)
    # frozen throughout a single head phase: exactly the source's weights
    assert_array_equal(
        clf.model_.get_layer("hidden_0").get_weights()[0],
        digits_source.model_.get_layer("hidden_0").get_weights()[0],
    )


def test_default_reuses_the_whole_body(digits_source, few_shot_target):
    X, y, _, _ = few_shot_target
    full = TransferClassifier(digits_source, **ONE_PHASE).fit(X, y)
    assert _weighted_layer_names(full.model_) == ["hidden_0", "hidden_1", "output"]
    explicit = TransferClassifier(digits_source, n_reuse=2, **ONE_PHASE).fit(X, y)
    assert_array_equal(explicit.predict_proba(X), full.predict_proba(X))


def test_same_classes_keep_the_source_head(
    digits_source, few_shot_target, weight_recorder
):
    X, y, _, _ = few_shot_target
    TransferClassifier(digits_source, callbacks=[weight_recorder], **ONE_PHASE).fit(
        X, y
    )
    start = weight_recorder.starts[0]
    source = layer_weights(digits_source.model_)["output"]
    for kept, original in zip(start["weights"]["output"], source, strict=True):
        assert_array_equal(kept, original)


def test_class_subset_keeps_those_head_units(
    digits_source, few_shot_target, weight_recorder
):
    X, y, X_test, y_test = few_shot_target
    subset = np.isin(y, [2, 5, 7])
    clf = TransferClassifier(
        digits_source, head="source", callbacks=[weight_recorder], **ONE_PHASE
    ).fit(X[subset], y[subset])
    kernel, bias = weight_recorder.starts[0]["weights"]["output"]
    source_kernel, source_bias = digits_source.model_.get_layer("output").get_weights()
    assert_array_equal(kernel, source_kernel[:, [2, 5, 7]])
    assert_array_equal(bias, source_bias[[2, 5, 7]])
    assert_array_equal(clf.classes_, [2, 5, 7])
    test = np.isin(y_test, [2, 5, 7])
    # nine labelled rows, but the source head already separates these digits
    assert clf.score(X_test[test], y_test[test]) > 0.8
    # labels are matched by value, which only head="source" trusts for a
    # subset: 0/1 labels may not mean the source's digits 0 and 1
    auto = TransferClassifier(digits_source, **ONE_PHASE).fit(X[subset], y[subset])
    assert auto.model_.layers[-1].name == "transfer_head"


def test_new_classes_get_a_new_head_and_source_head_is_refused(
    digits_source, few_shot_target
):
    X, y, _, _ = few_shot_target
    labels = np.where(y < 5, "low", "high")  # not source classes
    clf = TransferClassifier(digits_source, **ONE_PHASE).fit(X, labels)
    assert clf.model_.layers[-1].name == "transfer_head"
    with pytest.raises(ValueError, match=r"head='source'.*\['high', 'low'\]"):
        TransferClassifier(digits_source, head="source", **ONE_PHASE).fit(X, labels)


def test_head_new_replaces_a_compatible_source_head(digits_source, few_shot_target):
    X, y, _, _ = few_shot_target
    clf = TransferClassifier(digits_source, head="new", **ONE_PHASE).fit(X, y)
    assert _weighted_layer_names(clf.model_) == [
        "hidden_0",
        "hidden_1",
        "transfer_head",
    ]
    with pytest.raises(ValueError, match="n_reuse cuts below"):
        TransferClassifier(digits_source, head="source", n_reuse=1, **ONE_PHASE).fit(
            X, y
        )


def test_regressor_head_new_by_default_source_on_request(digits_halves):
    X_a, X_b, y_a, y_b = digits_halves
    source = KerasRegressor(
        hidden_layer_sizes=(16, 8),
        epochs=10,
        learning_rate=0.01,
        tol=None,
        random_state=0,
    ).fit(X_a, y_a / 9.0)
    auto = TransferRegressor(source, **ONE_PHASE).fit(X_b[:50], y_b[:50] / 9.0)
    assert auto.model_.layers[-1].name == "transfer_head"
    kept = TransferRegressor(source, head="source", **ONE_PHASE).fit(
        X_b[:50], y_b[:50] / 9.0
    )
    assert kept.model_.layers[-1].name == "output"
    two_outputs = np.column_stack([y_b[:50], y_b[:50]]) / 9.0
    with pytest.raises(ValueError, match="1 output.*target 2"):
        TransferRegressor(source, head="source", **ONE_PHASE).fit(X_b[:50], two_outputs)


def test_other_input_width_reinitialises_the_first_layer(
    digits_source, few_shot_target, weight_recorder
):
    X, y, _, _ = few_shot_target
    narrow = X[:, 10:30]
    with pytest.warns(UserWarning, match="reads 64 features but the data have 20"):
        clf = TransferClassifier(
            digits_source, callbacks=[weight_recorder], **QUICK
        ).fit(narrow, y)
    start = weight_recorder.starts[0]
    source = layer_weights(digits_source.model_)
    first_kernel = start["weights"]["hidden_0"][0]
    assert first_kernel.shape == (20, 16)
    assert not np.allclose(first_kernel, source["hidden_0"][0][10:30])
    for copied, original in zip(
        start["weights"]["hidden_1"], source["hidden_1"], strict=True
    ):
        assert_array_equal(copied, original)
    # the new first layer trains from the start; the reused one above is frozen
    assert start["trainable"]["hidden_0"]
    assert not start["trainable"]["hidden_1"]
    assert clf.n_features_in_ == 20
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.predict(narrow[:3])
