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


def assert_trains_its_own_network(make_estimator, X, y):
    """Fits with pooling on keep no replica and end exactly like training
    with pooling off; returns the latter."""
    new, repeat, own = fit_pooled_and_own(make_estimator, lambda est: est.fit(X, y))
    assert len(REPLICAS) == 0
    assert_trained_alike(new, own)
    assert_trained_alike(repeat, own)
    return own


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


def _classifier_network(meta, *hidden, compile_options=None):
    """Input, ``hidden`` layers, softmax head; compiled if options are given."""
    model = keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            *hidden,
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )
    if compile_options is not None:
        model.compile(loss="sparse_categorical_crossentropy", **compile_options)
    return model


def _adapted_normalization(meta):
    # Adapted mean and variance live in tensors made by finalize_state().
    normalization = keras.layers.Normalization()
    n_features = meta["n_features_in_"]
    normalization.adapt(np.linspace(-40.0, 90.0, 8 * n_features).reshape(8, -1))
    return _classifier_network(meta, normalization, keras.layers.Dense(8))


def _frozen_kernel(meta):
    model = _classifier_network(meta, keras.layers.Dense(8))
    model.layers[0].kernel.trainable = False
    return model


def _constrained_after_build(meta):
    model = _classifier_network(meta, keras.layers.Dense(8))
    model.layers[0].kernel_constraint = keras.constraints.NonNeg()
    return model


def _regularized_after_build(meta):
    model = _classifier_network(meta, keras.layers.Dense(8))
    model.layers[0].kernel_regularizer = keras.regularizers.L2(1.0)
    return model


def _mask_dropped(meta):
    dense = keras.layers.Dense(8)
    dense.supports_masking = False  # the loss then counts masked rows too
    return _classifier_network(meta, keras.layers.Masking(0.0), dense)


def _weight_decay_exclusions(meta):
    optimizer = keras.optimizers.AdamW(0.05, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    return _classifier_network(
        meta, keras.layers.Dense(8), compile_options={"optimizer": optimizer}
    )


def _attribute_after_construction(meta):
    # ELU's config lists its constructor arguments, not its attributes.
    elu = keras.layers.ELU()
    elu.alpha = 3.0
    return _classifier_network(meta, keras.layers.Dense(8), elu)


def _tripled(dense):
    """``dense`` with its ``call`` replaced on the instance: three times its
    affine map."""
    dense.call = lambda inputs, **kwargs: 3.0 * (inputs @ dense.kernel + dense.bias)
    return dense


def _call_replaced_on_instance(meta):
    return _classifier_network(meta, _tripled(keras.layers.Dense(8)))


def _gradient_overwrites_variable(meta):
    model = _classifier_network(
        meta, keras.layers.Dense(8), compile_options={"optimizer": "sgd"}
    )
    model.layers[0].bias.overwrite_with_gradient = True
    return model


def _flatten_order_changed(meta):
    # Flatten fixes its order from ``data_format`` when made; the config
    # reports the attribute.
    flatten = keras.layers.Flatten()
    flatten.data_format = "channels_first"
    reshape = keras.layers.Reshape((2, meta["n_features_in_"] // 2))
    return _classifier_network(meta, reshape, flatten, keras.layers.Dense(8))


def _activity_penalty_changed(meta):
    # The layer's regularizer object is built from l1 and l2 when it is made.
    penalty = keras.layers.ActivityRegularization()
    penalty.l2 = 1.0
    return _classifier_network(meta, keras.layers.Dense(8), penalty)


def _loss_reassigned_after_compile(meta):
    model = _classifier_network(
        meta, keras.layers.Dense(8), compile_options={"optimizer": "adam"}
    )
    # Keras trains with the compiled loss, whatever the attribute says.
    model.loss = keras.losses.SparseCategoricalCrossentropy(ignore_class=0)
    return model


def _wrapped_layer_call_replaced(meta):
    wrapper = keras.layers.SpectralNormalization(_tripled(keras.layers.Dense(8)))
    return _classifier_network(meta, wrapper)


def _optimizer_reassigned_after_compile(meta):
    def decaying(rate):
        schedule = keras.optimizers.schedules.ExponentialDecay(rate, 10, 0.9)
        return keras.optimizers.SGD(schedule)

    model = _classifier_network(
        meta, keras.layers.Dense(8), compile_options={"optimizer": decaying(0.001)}
    )
    model.optimizer = decaying(0.5)  # trains with this one
    return model


# Networks holding state that Keras' configs do not describe.
UNDESCRIBED = {
    "adapted Normalization": _adapted_normalization,
    "variable frozen directly": _frozen_kernel,
    "constraint set after build": _constrained_after_build,
    "regularizer set after build": _regularized_after_build,
    "masking support switched off": _mask_dropped,
    "weight decay exclusions": _weight_decay_exclusions,
    "attribute set after construction": _attribute_after_construction,
    "call replaced on an instance": _call_replaced_on_instance,
    "gradient overwrites a variable": _gradient_overwrites_variable,
    "flatten order changed": _flatten_order_changed,
    "activity penalty changed": _activity_penalty_changed,
    "loss reassigned after compile": _loss_reassigned_after_compile,
    "wrapped layer's call replaced": _wrapped_layer_call_replaced,
    "optimizer reassigned after compile": _optimizer_reassigned_after_compile,
}


@pytest.mark.filterwarnings("ignore:.*does not support masking:UserWarning")
@pytest.mark.parametrize("builder", UNDESCRIBED.values(), ids=UNDESCRIBED)
def test_state_outside_configs_trains_its_own_network(iris, traces, builder):
    X, y = iris
    X = X.copy()
    X[:20] = 0.0  # rows a Masking layer drops
    assert_trains_its_own_network(
        lambda: KerasClassifier(model=builder, epochs=3, random_state=0), X, y
    )


class ScriptRegularizer(keras.regularizers.Regularizer):
    """A user's class, as if defined in a script (Keras serializes no module)."""

    def __call__(self, weights):
        return 0.5 * keras.ops.sum(keras.ops.abs(weights))

    def get_config(self):
        return {}


ScriptRegularizer.__module__ = "__main__"


class UndescribableMetric(keras.metrics.Mean):
    def update_state(self, y_true, y_pred, sample_weight=None):
        return super().update_state(y_pred)

    def get_config(self):
        raise KeyError("scale")  # a user's get_config can fail in any way


def _script_regularizer(meta):
    dense = keras.layers.Dense(8, kernel_regularizer=ScriptRegularizer())
    return _classifier_network(meta, dense)


def _constant_rate():
    return 0.05


def _callable_learning_rate(meta):
    return _classifier_network(
        meta,
        keras.layers.Dense(8),
        compile_options={"optimizer": keras.optimizers.SGD(_constant_rate)},
    )


def _undescribable_metric(meta):
    return _classifier_network(
        meta,
        keras.layers.Dense(8),
        compile_options={"optimizer": "adam", "metrics": [UndescribableMetric()]},
    )


UNREBUILDABLE = {
    "class defined in a script": _script_regularizer,
    "callable learning rate": _callable_learning_rate,
    "get_config raising": _undescribable_metric,
}


@pytest.mark.parametrize("builder", UNREBUILDABLE.values(), ids=UNREBUILDABLE)
def test_what_keras_cannot_rebuild_trains_its_own_network(iris, traces, builder):
    """Pooling is only a speed-up: configs Keras cannot write or read back
    never make a fit fail."""
    X, y = iris
    assert_trains_its_own_network(
        lambda: KerasClassifier(model=builder, epochs=3, random_state=0), X, y
    )


def test_metric_objects_train_their_own_network(small_regression, traces):
    X, y = small_regression

    def network(meta):
        model = keras.Sequential(
            [keras.Input((meta["n_features_in_"],)), keras.layers.Dense(1)]
        )
        # Its config drops ``axis``: a replica compiled from it would differ.
        cosine = keras.metrics.CosineSimilarity(axis=0)
        model.compile(optimizer="adam", loss="mse", metrics=[cosine])
        return model

    own = assert_trains_its_own_network(
        lambda: KerasRegressor(model=network, epochs=3, random_state=0), X, y
    )
    assert "cosine_similarity" in own.history_


def test_interrupted_fit_keeps_the_epochs_it_completed(iris, traces):
    """A pooled fit stopped part-way leaves the network where its own
    training would have: after the epochs that ran."""
    X, y = iris

    def interrupt_third_epoch(est):
        est.fit(X, y).set_params(warm_start=True)
        epochs_run = []

        def logs_then_interrupt(logs):
            epochs_run.append(logs)
            if len(epochs_run) == 3:
                raise KeyboardInterrupt
            return dict(logs)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_training, "_to_floats", logs_then_interrupt)
            with pytest.raises(KeyboardInterrupt):
                est.fit(X, y)
        return est

    new, repeat, own = fit_pooled_and_own(
        lambda: KerasClassifier(**FAST), interrupt_third_epoch
    )
    before = KerasClassifier(**FAST).fit(X, y)
    assert not np.array_equal(training_state(own)[0], training_state(before)[0])
    assert_trained_alike(new, own)
    assert_trained_alike(repeat, own)


def test_pooled_network_reports_like_its_own(iris, traces):
    """The network's stop flag and metric results, not only its weights."""
    X, y = iris

    def make():
        return KerasClassifier(
            **{**FAST, "epochs": 20, "tol": 10.0},
            early_stopping=True,
            n_iter_no_change=1,
            metrics=["accuracy"],
        )

    new, repeat, own = fit_pooled_and_own(make, lambda est: est.fit(X, y))
    assert own.n_iter_ < 20 and own.model_.stop_training
    expected = _to_numbers(own.model_.get_metrics_result())
    assert set(expected) >= {"loss", "accuracy"}
    for estimator in (new, repeat):
        assert estimator.model_.stop_training
        assert _to_numbers(estimator.model_.get_metrics_result()) == expected
        # Keras' History callback, as Model.fit leaves it on the network.
        assert estimator.model_.history.model is estimator.model_
        assert estimator.model_.history.history == own.model_.history.history
    pooled = list(REPLICAS._replicas.values())  # keeping no estimator's history
    assert pooled and all(passes.model.history is None for passes in pooled)


def test_warm_start_after_changing_frozen_layers_fails_alike(iris, traces):
    """The network's optimizer was built for other trainable variables, which
    Keras refuses; the replica's would not notice, so it is not used."""
    X, y = iris

    def network(meta):
        hidden = [keras.layers.Dense(4), keras.layers.Dense(4)]
        hidden[1].trainable = False
        return _classifier_network(meta, *hidden)

    def swap_and_continue(est):
        est.fit(X, y).set_params(warm_start=True)
        est.model_.layers[0].trainable = False
        est.model_.layers[1].trainable = True
        with pytest.raises(ValueError, match="Unknown variable"):
            est.fit(X, y)
        return est

    fit_pooled_and_own(
        lambda: KerasClassifier(model=network, epochs=2, random_state=0),
        swap_and_continue,
    )


def _to_numbers(results: dict) -> dict:
    return {name: float(value) for name, value in results.items()}


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


def test_learning_rates_share_a_replica(iris, traces):
    """A constant learning rate is an optimizer variable, copied like the
    rest of the state: a grid over it traces once."""
    X, y = iris
    KerasClassifier(**{**FAST, "learning_rate": 0.001}).fit(X, y)
    pooled = KerasClassifier(**{**FAST, "learning_rate": 0.3}).fit(X, y)
    assert len(traces) == 1
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_training, "configuration_key", lambda model: None)
        own = KerasClassifier(**{**FAST, "learning_rate": 0.3}).fit(X, y)
    assert_trained_alike(pooled, own)
    assert float(pooled.model_.optimizer.learning_rate) == pytest.approx(0.3)


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

    def shared_then_nested(applications=2):
        """A functional model reusing a layer, then a Sequential without Input."""
        inputs, shared = keras.Input((4,)), keras.layers.Dense(4)
        hidden = inputs
        for _ in range(applications):
            hidden = shared(hidden)
        nested = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(3)])
        model = keras.Model(inputs, nested(hidden))
        model.compile(optimizer="adam", loss="mse")
        return model

    a, b = sequential(), sequential()
    assert a.layers[0].name != b.layers[0].name
    assert configuration_key(a) == configuration_key(b) is not None
    assert configuration_key(first.model_) == configuration_key(second.model_)
    twice = configuration_key(shared_then_nested())
    assert twice == configuration_key(shared_then_nested()) is not None
    assert twice != configuration_key(shared_then_nested(applications=1))
    # A wrapped layer's name, and a wrapped optimizer's.
    spectral = [
        _compiled(keras.layers.SpectralNormalization(keras.layers.Dense(3)))
        for _ in range(2)
    ]
    assert configuration_key(spectral[0]) == configuration_key(spectral[1]) is not None
    scaled = [
        _compiled(
            keras.layers.Dense(3),
            optimizer=keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam()),
        )
        for _ in range(2)
    ]
    assert configuration_key(scaled[0]) == configuration_key(scaled[1]) is not None


def _compiled(*layers, loss="mse", optimizer="adam", metrics=None):
    model = keras.Sequential([keras.Input((4,)), *layers])
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
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
            _compiled(keras.layers.Dense(3), optimizer=keras.optimizers.Lion()),
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
    # Muon picks its update by variable path, and paths hold generated names.
    "optimizer reading variable names": lambda: _compiled(
        keras.layers.Dense(3), optimizer=keras.optimizers.Muon()
    ),
    "metrics per output": lambda: _compiled(
        keras.layers.Dense(3, name="dense"), metrics={"dense": ["mae"]}
    ),
    "preprocessing layer": lambda: _compiled(keras.layers.Rescaling(2.0)),
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
