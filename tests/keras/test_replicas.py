"""Pooled training replicas: fits of one configuration share traced epoch
functions, and a pooled fit ends exactly where training the network itself
would have."""

import threading

import keras
import numpy as np
import pytest
from sklearn.base import clone

from skneuro import KerasClassifier, KerasRegressor, TransferClassifier
from skneuro.keras import _replicas, _training
from skneuro.keras._replicas import POOL_SIZE, REPLICAS, configuration_key
from tests.keras.conftest import FAST


@pytest.fixture
def traces(monkeypatch):
    """Counts the networks whose epoch functions get traced."""
    traced = []
    trace = _training.TracedPasses.__dict__["trace"].__func__

    def counting(cls, model, *args, **kwargs):
        traced.append(model)
        return trace(cls, model, *args, **kwargs)

    monkeypatch.setattr(_training.TracedPasses, "trace", classmethod(counting))
    REPLICAS.clear()
    yield traced
    REPLICAS.clear()


def training_state(estimator) -> list[np.ndarray]:
    model = estimator.model_
    return [np.asarray(v) for v in (*model.weights, *model.optimizer.variables)]


def fit_pooled_and_own(make_estimator, fit):
    """Fit three estimators: one making the replica, one reusing it, and one
    training its own network (pooling switched off); return them."""
    REPLICAS.clear()
    new, repeat = fit(make_estimator()), fit(make_estimator())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_training, "configuration_key", lambda model: None)
        own = fit(make_estimator())
    return new, repeat, own


def assert_trained_alike(estimator, reference) -> None:
    assert estimator.history_ == reference.history_
    assert estimator.n_iter_ == reference.n_iter_
    for value, expected in zip(
        training_state(estimator), training_state(reference), strict=True
    ):
        np.testing.assert_array_equal(value, expected)


def regularised_dropout_network(meta):
    """Batch normalisation (moving statistics) and dropout (a seed state)."""
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(8, activation="relu", kernel_regularizer="l2"),
            keras.layers.BatchNormalization(),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )


CONFIGURATIONS = {
    "default MLP": lambda: KerasClassifier(**FAST),
    "early stopping, restoring the best weights": lambda: KerasClassifier(
        **{**FAST, "epochs": 12, "tol": 0.0}, early_stopping=True, n_iter_no_change=2
    ),
    "batch normalisation and dropout": lambda: KerasClassifier(
        model=regularised_dropout_network, epochs=4, random_state=1
    ),
    "class weights, uneven batches": lambda: KerasClassifier(
        **FAST, class_weight="balanced", batch_size=64
    ),
}


@pytest.mark.parametrize("make_estimator", CONFIGURATIONS.values(), ids=CONFIGURATIONS)
def test_pooled_fit_equals_training_the_network_itself(iris, traces, make_estimator):
    X, y = iris
    weights = np.linspace(0.5, 1.5, len(y))
    new, repeat, own = fit_pooled_and_own(
        make_estimator, lambda est: est.fit(X, y, sample_weight=weights)
    )
    # One replica traced, reused by the repeat; the own network traced too.
    assert traces[0] is not new.model_ and traces[1] is own.model_
    assert len(traces) == 2
    for estimator in (new, repeat):
        assert_trained_alike(estimator, own)
        np.testing.assert_array_equal(estimator.predict_proba(X), own.predict_proba(X))


def test_regressor_huber_delta_is_kept(small_regression, traces):
    """Keras' loss config drops Huber's delta: the key and the replica use the
    loss itself, so different deltas neither share nor lose it."""
    X, y = small_regression
    fitted = {}
    for delta in (0.2, 3.0):

        def make(delta=delta):
            return KerasRegressor(**FAST, loss="huber", loss__delta=delta)

        new, repeat, own = fit_pooled_and_own(make, lambda est: est.fit(X, y))
        assert_trained_alike(repeat, own)
        assert_trained_alike(new, own)
        fitted[delta] = own
    assert fitted[0.2].history_["loss"] != fitted[3.0].history_["loss"]
    assert configuration_key(fitted[0.2].model_) != configuration_key(
        fitted[3.0].model_
    )


def test_warm_start_and_partial_fit_continue_alike(iris, traces):
    X, y = iris

    def continue_training(est):
        est.fit(X, y).set_params(warm_start=True).fit(X[:100], y[:100], epochs=2)
        est.partial_fit(X[50:], y[50:])
        return est

    new, repeat, own = fit_pooled_and_own(
        lambda: KerasClassifier(**FAST), continue_training
    )
    assert new.n_iter_ == FAST["epochs"] + 3
    assert_trained_alike(new, own)
    assert_trained_alike(repeat, own)


def test_transfer_phases_pool_alike(iris, traces):
    X, y = iris
    source = KerasClassifier(**{**FAST, "hidden_layer_sizes": (8, 8)}).fit(X, y)

    def make():
        return TransferClassifier(
            source, freeze=True, epochs=3, fine_tune_epochs=2, random_state=0
        )

    new, repeat, own = fit_pooled_and_own(make, lambda est: est.fit(X, y))
    assert new.history_["phase"] == ["head"] * 3 + ["fine_tune"] * 2
    assert_trained_alike(new, own)
    assert_trained_alike(repeat, own)


def test_folds_of_different_sizes_share_one_trace(iris, traces):
    X, y = iris
    estimator = KerasClassifier(**FAST)
    for n_rows in (150, 120, 97):
        rows = np.random.default_rng(n_rows).permutation(len(y))[:n_rows]
        clone(estimator).fit(X[rows], y[rows])
    assert len(traces) == 1
    assert len(REPLICAS) == 1


def test_a_later_fit_leaves_an_earlier_estimator_alone(iris, traces):
    X, y = iris
    first = KerasClassifier(**FAST).fit(X, y)
    before = first.predict_proba(X)
    KerasClassifier(**{**FAST, "random_state": 5}).fit(X[::-1], y[::-1])
    assert first.model_ is not traces[0]
    np.testing.assert_array_equal(first.predict_proba(X), before)


def test_pool_is_bounded(iris, traces):
    X, y = iris
    for units in range(2, POOL_SIZE + 4):
        KerasClassifier(**{**FAST, "hidden_layer_sizes": (units,)}).fit(X, y)
    assert len(REPLICAS) == POOL_SIZE
    # The least recently used went first: the first network traces again.
    KerasClassifier(**{**FAST, "hidden_layer_sizes": (2,)}).fit(X, y)
    assert len(traces) == POOL_SIZE + 3


def test_callbacks_see_the_estimators_network(iris, traces, training_spy):
    X, y = iris
    stopping = keras.callbacks.EarlyStopping(monitor="loss", patience=50)
    KerasClassifier(**FAST).fit(X, y)
    pooled = KerasClassifier(**FAST, callbacks=[stopping]).fit(X, y)
    assert len(traces) == 1  # early stopping alone keeps the replica
    assert stopping.model is pooled.model_
    own = KerasClassifier(**FAST, callbacks=[training_spy]).fit(X, y)
    assert len(traces) == 2  # any other callback: trained on its own network
    assert training_spy.model is own.model_
    assert_trained_alike(own, pooled)


def test_concurrent_fits_each_take_a_replica(iris, traces):
    X, y = iris
    expected = {
        seed: KerasClassifier(**{**FAST, "random_state": seed}).fit(X, y)
        for seed in range(4)
    }
    fitted, errors = {}, []

    def fit(seed):
        try:
            fitted[seed] = KerasClassifier(**{**FAST, "random_state": seed}).fit(X, y)
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=fit, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for seed, estimator in fitted.items():
        assert_trained_alike(estimator, expected[seed])


def test_same_architecture_shares_a_key_despite_generated_names(iris):
    X, y = iris
    first, second = (KerasClassifier(**FAST).fit(X, y) for _ in range(2))

    def sequential():
        model = keras.Sequential(
            [keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(3)]
        )
        model.compile(optimizer="adam", loss="mse")
        return model

    a, b = sequential(), sequential()
    assert a.layers[0].name != b.layers[0].name
    assert configuration_key(a) == configuration_key(b) is not None
    assert configuration_key(first.model_) == configuration_key(second.model_)


def _compiled(*layers, loss="mse", optimizer="adam"):
    model = keras.Sequential([keras.Input((4,)), *layers])
    model.compile(optimizer=optimizer, loss=loss)
    return model


def test_key_tells_configurations_apart():
    keys = [
        configuration_key(model)
        for model in (
            _compiled(keras.layers.Dense(3)),
            _compiled(keras.layers.Dense(4)),
            _compiled(keras.layers.Dense(3, activation="tanh")),
            _compiled(keras.layers.Dense(3, trainable=False)),
            _compiled(keras.layers.Dense(3), keras.layers.Dropout(0.1)),
            _compiled(keras.layers.Dense(3), keras.layers.Dropout(0.2)),
            _compiled(keras.layers.Dense(3), loss="mae"),
            _compiled(keras.layers.Dense(3), loss=keras.losses.Huber(delta=2.0)),
            _compiled(keras.layers.Dense(3), optimizer=keras.optimizers.Adam(0.01)),
            _compiled(keras.layers.Dense(3), optimizer="sgd"),
        )
    ]
    assert None not in keys
    assert len(set(keys)) == len(keys)


class Doubling(keras.layers.Layer):
    def call(self, inputs):
        return 2 * inputs


class Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(3)

    def call(self, inputs):
        return self.dense(inputs)


def _own_activation(x):
    return keras.ops.relu(x)


def _own_loss(y_true, y_pred):
    return keras.ops.mean((y_true - y_pred) ** 2)


def _built(model):
    model(np.zeros((1, 4), dtype="float32"))
    model.compile(optimizer="adam", loss="mse")
    return model


NOT_POOLED = {
    "custom layer": lambda: _compiled(Doubling()),
    "Lambda layer": lambda: _compiled(keras.layers.Lambda(lambda x: 3 * x)),
    "custom activation": lambda: _compiled(
        keras.layers.Dense(3, activation=_own_activation)
    ),
    "custom loss": lambda: _compiled(keras.layers.Dense(3), loss=_own_loss),
    "subclassed model": lambda: _built(Subclassed()),
    "uncompiled": lambda: keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)]),
}


@pytest.mark.parametrize("make_model", NOT_POOLED.values(), ids=NOT_POOLED)
def test_what_configs_cannot_describe_is_not_pooled(make_model):
    assert configuration_key(make_model()) is None


def test_large_networks_are_not_pooled(iris, traces, monkeypatch):
    X, y = iris
    monkeypatch.setattr(_replicas, "MAX_POOLED_PARAMETERS", 50)
    estimator = KerasClassifier(**FAST).fit(X, y)
    assert estimator.model_.count_params() > 50
    assert traces == [estimator.model_]
    assert len(REPLICAS) == 0
