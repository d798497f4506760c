"""Every kind of ``source``: what is copied from it, and that it starts there."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.frozen import FrozenEstimator
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skneuro import KerasClassifier, TransferClassifier, TransferRegressor
from skneuro.transfer._source import resolve_source
from tests.transfer.conftest import QUICK, fingerprint, layer_weights, weight_checksums


def _body_weights(model, names=("hidden_0", "hidden_1")):
    weights = layer_weights(model)
    return {name: weights[name] for name in names}


def _assert_same_weights(actual: dict, expected: dict):
    assert actual.keys() == expected.keys()
    for name in expected:
        for a, e in zip(actual[name], expected[name], strict=True):
            assert_array_equal(a, e, err_msg=name)


def _assert_predicts_through(estimator, preprocessing, X):
    """``estimator`` predicts ``X`` as its network does ``preprocessing(X)``."""
    features = preprocessing.transform(X).astype(np.float32)
    assert_allclose(
        estimator.predict_proba(X),
        np.asarray(estimator.model_(features, training=False)),
        rtol=1e-5,
        atol=1e-6,
    )


def test_keras_estimator_source_starts_from_its_weights(
    digits_source, few_shot_target, weight_recorder
):
    X, y, _, _ = few_shot_target
    clf = TransferClassifier(digits_source, callbacks=[weight_recorder], **QUICK).fit(
        X, y
    )
    source = layer_weights(digits_source.model_)
    start = weight_recorder.starts[0]["weights"]
    # body and (same classes: kept) head start as exact copies of the source
    _assert_same_weights(
        {n: start[n] for n in ("hidden_0", "hidden_1", "output")},
        {n: source[n] for n in ("hidden_0", "hidden_1", "output")},
    )
    # ... and are copies, not the source's own layers
    assert clf.model_ is not digits_source.model_
    assert not {id(v) for v in clf.model_.weights} & {
        id(v) for v in digits_source.model_.weights
    }


def test_transfer_estimators_chain(digits_source, few_shot_target, weight_recorder):
    X, y, X_test, y_test = few_shot_target
    first = TransferClassifier(digits_source, **QUICK).fit(X, y)
    first_state = fingerprint(first)
    second = TransferClassifier(
        first, head="source", callbacks=[weight_recorder], **QUICK
    )
    second.fit(X[y >= 5], y[y >= 5])
    assert fingerprint(first) == first_state
    # the second transfer starts from the first one's fine-tuned body, which
    # differs from the original source's
    _assert_same_weights(
        _body_weights_from(weight_recorder.starts[0]["weights"]),
        _body_weights(first.model_),
    )
    assert not np.array_equal(
        first.model_.get_layer("hidden_0").get_weights()[0],
        digits_source.model_.get_layer("hidden_0").get_weights()[0],
    )
    assert_array_equal(second.classes_, [5, 6, 7, 8, 9])
    # the digits 5-9 units of the first transfer's head are kept
    assert second.score(X_test[y_test >= 5], y_test[y_test >= 5]) > 0.8


def test_transfer_from_a_pipeline_source_is_itself_a_source(
    pipeline_source, few_shot_target
):
    """A transfer estimator holding a copy of its source's preprocessing
    hands that preprocessing on when it is the source of another transfer."""
    X, y, X_test, _ = few_shot_target
    first = TransferClassifier(pipeline_source, **{**QUICK, "freeze": False})
    first.fit(X, y)
    first_state = fingerprint(first)
    second = TransferClassifier(first, **{**QUICK, "freeze": False})
    second.fit(X[y >= 5], y[y >= 5])

    assert isinstance(second.preprocessing_, Pipeline)
    assert len(second.preprocessing_) == 1
    scaler = second.preprocessing_[0]
    assert isinstance(scaler, StandardScaler)
    assert scaler is not first.preprocessing_[0]
    assert_array_equal(scaler.mean_, pipeline_source[0].mean_)
    assert_array_equal(scaler.scale_, pipeline_source[0].scale_)
    _assert_predicts_through(second, scaler, X_test[:5])
    assert fingerprint(first) == first_state


def _body_weights_from(weights: dict):
    return {name: weights[name] for name in ("hidden_0", "hidden_1")}


def test_keras_model_source(few_shot_target, weight_recorder):
    import keras

    X, y, _, _ = few_shot_target
    model = keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(12, activation="relu", name="hidden_0"),
            keras.layers.Dense(3, activation="softmax", name="out"),
        ]
    )
    before = weight_checksums(model)
    clf = TransferClassifier(model, callbacks=[weight_recorder], **QUICK).fit(X, y)
    assert_array_equal(
        weight_recorder.starts[0]["weights"]["hidden_0"][0],
        model.get_layer("hidden_0").get_weights()[0],
    )
    # the source had no classes: a new head sized for the ten digits
    assert clf.model_.layers[-1].name == "transfer_head"
    assert clf.model_.output_shape == (None, 10)
    assert weight_checksums(model) == before


def test_pipeline_source_preprocessing_reused_never_refitted(
    digits_halves, few_shot_target
):
    X_a, _, y_a, _ = digits_halves
    X, y, X_test, y_test = few_shot_target
    pipeline = make_pipeline(
        StandardScaler(), KerasClassifier(**{**_source_settings(), "epochs": 15})
    ).fit(X_a, y_a)
    scaler = pipeline[0]
    mean, scale = scaler.mean_.copy(), scaler.scale_.copy()
    network = weight_checksums(pipeline[-1].model_)
    # Shift the target so that a refitted scaler would learn other statistics.
    shifted = X + 0.5
    clf = TransferClassifier(pipeline, **QUICK).fit(shifted, y)
    # every layer trains from the first epoch: shared weights would show
    TransferClassifier(pipeline, **{**QUICK, "freeze": False}).fit(shifted, y)
    assert weight_checksums(pipeline[-1].model_) == network

    assert clf.preprocessing_ is not None and len(clf.preprocessing_) == 1
    copied = clf.preprocessing_[0]
    assert copied is not scaler
    assert_array_equal(copied.mean_, mean)  # the source's, not refitted
    assert_array_equal(scaler.mean_, mean)
    assert_array_equal(scaler.scale_, scale)
    assert clf.n_features_in_ == 64
    # predictions go through the copied scaler: the same rows as the network
    # input give the network's own output
    _assert_predicts_through(clf, copied, shifted[:5])
    # refitting the caller's pipeline later does not change the transfer
    proba = clf.predict_proba(X_test[:10] + 0.5)
    pipeline[0].fit(X_test)
    assert_array_equal(clf.predict_proba(X_test[:10] + 0.5), proba)


def _source_settings():
    return {
        "hidden_layer_sizes": (16, 8),
        "batch_size": 200,
        "learning_rate": 0.02,
        "tol": None,
        "random_state": 0,
    }


def test_frozen_estimator_source_is_the_same_as_the_estimator(
    digits_source, few_shot_target
):
    X, y, X_test, _ = few_shot_target
    plain = TransferClassifier(digits_source, **QUICK).fit(X, y)
    frozen = TransferClassifier(FrozenEstimator(digits_source), **QUICK).fit(X, y)
    assert_array_equal(frozen.predict_proba(X_test), plain.predict_proba(X_test))


@pytest.mark.parametrize(
    "mlp, target",
    [
        (MLPClassifier((7, 5), activation="tanh", max_iter=50), "multiclass"),
        (MLPClassifier((6,), activation="logistic", max_iter=50), "binary"),
        (
            MLPRegressor(hidden_layer_sizes=(6,), activation="relu", max_iter=50),
            "continuous",
        ),
        (
            MLPRegressor(hidden_layer_sizes=(5,), activation="identity", max_iter=50),
            "multioutput",
        ),
    ],
    ids=["classifier-tanh", "binary-logistic", "regressor-relu", "identity-2-outputs"],
)
def test_mlp_converted_network_predicts_like_the_mlp(mlp, target, digits_halves):
    X, _, y, _ = digits_halves
    X, y = X[:300], y[:300]
    if target == "binary":
        y = y % 2
    elif target == "continuous":
        y = y / 9.0
    elif target == "multioutput":
        y = np.column_stack([y / 9.0, X[:, 20]])
    mlp.set_params(random_state=0).fit(X, y)
    network = resolve_source(mlp).model
    outputs = np.asarray(network(X.astype(np.float32), training=False))
    if isinstance(mlp, MLPClassifier):
        expected = mlp.predict_proba(X)
        if target == "binary":
            expected = expected[:, 1:]
    else:
        expected = mlp.predict(X).reshape(len(X), -1)
    assert_allclose(outputs, expected, rtol=1e-4, atol=1e-5)


def test_mlp_source_fine_tunes_from_its_weights(digits_halves, few_shot_target):
    X_a, _, y_a, _ = digits_halves
    X, y, X_test, y_test = few_shot_target
    mlp = MLPClassifier((16,), max_iter=60, random_state=0).fit(X_a, y_a)
    before = _mlp_arrays(mlp)
    proba = mlp.predict_proba(X_test)
    clf = TransferClassifier(mlp, **QUICK).fit(X, y)
    # the same classes: the MLP's head is kept, so the few-shot fit is about
    # as good as the MLP itself
    assert clf.score(X_test, y_test) > mlp.score(X_test, y_test) - 0.1
    # more fits, training every copied layer (head included) from the start
    for schedule in (
        {"freeze": False},
        {"freeze": True, "unfreeze": "all", "head": "source"},
    ):
        TransferClassifier(mlp, **{**QUICK, **schedule}).fit(X, y)
    _assert_mlp_unchanged(mlp, before)
    assert_array_equal(mlp.predict_proba(X_test), proba)


def _mlp_arrays(mlp) -> dict:
    """Copies of an MLP's fitted weights and biases."""
    return {
        "coefs_": [c.copy() for c in mlp.coefs_],
        "intercepts_": [b.copy() for b in mlp.intercepts_],
    }


def _assert_mlp_unchanged(mlp, before: dict):
    """Every weight and bias array of ``mlp`` is bit-identical to ``before``."""
    for name, arrays in before.items():
        for index, (expected, actual) in enumerate(
            zip(arrays, getattr(mlp, name), strict=True)
        ):
            assert actual.dtype == expected.dtype
            assert_array_equal(actual, expected, err_msg=f"{name}[{index}]")


def test_mlp_regressor_source(digits_halves):
    X_a, X_b, y_a, y_b = digits_halves
    mlp = MLPRegressor(hidden_layer_sizes=(16,), max_iter=80, random_state=0).fit(
        X_a, y_a / 9.0
    )
    before = _mlp_arrays(mlp)
    prediction = mlp.predict(X_b[60:70])
    reg = TransferRegressor(mlp, **QUICK).fit(X_b[:60], y_b[:60] / 9.0)
    assert reg.model_.get_layer("hidden_0").get_weights()[0].shape == (64, 16)
    assert reg.predict(X_b[60:70]).shape == (10,)
    # more fits, training every copied layer, the MLP's own head included
    for schedule in (
        {"freeze": False},
        {"freeze": True, "unfreeze": "all", "head": "source"},
    ):
        TransferRegressor(mlp, **{**QUICK, **schedule}).fit(X_b[:60], y_b[:60] / 9.0)
    _assert_mlp_unchanged(mlp, before)
    assert_array_equal(mlp.predict(X_b[60:70]), prediction)


def test_no_source_trains_like_keras_classifier(few_shot_target):
    X, y, X_test, _ = few_shot_target
    settings = {
        k: v for k, v in QUICK.items() if k not in ("freeze", "fine_tune_epochs")
    }
    transfer = TransferClassifier(**settings).fit(X, y)
    keras_clf = KerasClassifier(**settings).fit(X, y)
    assert_array_equal(transfer.predict_proba(X_test), keras_clf.predict_proba(X_test))
    assert set(transfer.history_["phase"]) == {"train"}
    assert transfer.preprocessing_ is None
