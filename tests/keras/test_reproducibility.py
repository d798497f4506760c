"""``random_state`` makes fits reproducible without touching global state:
Python's, NumPy's and TensorFlow's random state, TensorFlow's op determinism
and Keras' configuration are the same after a fit as before it, in every
thread."""

import pickle
import random
import threading

import keras
import numpy as np
import pytest
import tensorflow as tf

# TensorFlow has a public setter for op determinism but only a private getter.
from tensorflow.python.framework.config import is_op_determinism_enabled

from skneuro import KerasClassifier, KerasRegressor
from tests.keras.conftest import FAST


@pytest.fixture
def restore_global_random():
    """Tests here seed the global generators; give them back as they were."""
    python_state = random.getstate()
    numpy_state = np.random.get_state()  # noqa: NPY002 (the global state is the point)
    yield
    random.setstate(python_state)
    np.random.set_state(numpy_state)  # noqa: NPY002


def dropout_builder(meta):
    """Random at every step: dropout, on top of initialisation and shuffling."""
    return keras.Sequential(
        [
            keras.Input(shape=(meta["n_features_in_"],)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"model": dropout_builder, "batch_size": 16},
        {"early_stopping": True, "tol": 1e-3, "n_iter_no_change": 2, "epochs": 40},
    ],
    ids=["default", "dropout", "early_stopping"],
)
def test_same_random_state_same_predictions(iris, params):
    X, y = iris
    est = KerasClassifier(**{**FAST, **params})
    first = est.fit(X, y).predict_proba(X)
    history = dict(est.history_)
    np.testing.assert_array_equal(est.fit(X, y).predict_proba(X), first)
    assert est.history_ == history


def test_random_state_matters(small_regression):
    X, y = small_regression
    seeded = KerasRegressor(**FAST).fit(X, y).predict(X)
    other_seed = KerasRegressor(**{**FAST, "random_state": 1}).fit(X, y).predict(X)
    unseeded = KerasRegressor(**{**FAST, "random_state": None})
    first, second = (unseeded.fit(X, y).predict(X) for _ in range(2))
    assert not np.allclose(seeded, other_seed)
    assert not np.allclose(first, second)


def test_random_state_instance(small_regression):
    """A RandomState seeds like scikit-learn: equal generators, equal fits."""
    X, y = small_regression
    first = KerasRegressor(**{**FAST, "random_state": np.random.RandomState(3)})
    second = KerasRegressor(**{**FAST, "random_state": np.random.RandomState(3)})
    np.testing.assert_array_equal(
        first.fit(X, y).predict(X), second.fit(X, y).predict(X)
    )


def global_state() -> dict:
    """Every piece of process-wide state a fit could be tempted to change."""
    return {
        "python_random": random.getstate(),
        "numpy_random": _numpy_state(),
        "tf_global_seed": tf.compat.v1.get_seed(None)[0],
        "tf_generator": tf.random.get_global_generator().state.numpy().tolist(),
        "tf_op_determinism": is_op_determinism_enabled(),
        "tf_run_eagerly": tf.config.functions_run_eagerly(),
        "keras_backend": keras.config.backend(),
        "keras_floatx": keras.config.floatx(),
        "keras_epsilon": keras.config.epsilon(),
        "keras_image_data_format": keras.config.image_data_format(),
        "keras_dtype_policy": keras.config.dtype_policy().name,
        "keras_interactive_logging": keras.config.is_interactive_logging_enabled(),
        "keras_traceback_filtering": keras.config.is_traceback_filtering_enabled(),
        "keras_max_epochs": keras.config.max_epochs(),
        "keras_max_steps_per_epoch": keras.config.max_steps_per_epoch(),
    }


def _numpy_state():
    name, keys, *rest = np.random.get_state()  # noqa: NPY002 (global on purpose)
    return (name, keys.tolist(), *rest)


@pytest.mark.parametrize(
    "estimator",
    [
        KerasClassifier(**FAST),
        KerasClassifier(**{**FAST, "random_state": None}),
        KerasClassifier(**{**FAST, "random_state": np.random.RandomState(0)}),
        KerasClassifier(model=dropout_builder, early_stopping=True, **FAST),
        # Training options the graph loop lacks go through Model.fit.
        KerasClassifier(**FAST, validation_split=0.2, fit__validation_freq=2),
    ],
    ids=["seeded", "unseeded", "random_state_instance", "dropout", "model_fit"],
)
def test_fit_changes_no_global_state(iris, estimator):
    X, y = iris
    before = global_state()
    estimator.fit(X, y).predict(X)
    assert global_state() == before


def test_unpickling_changes_no_global_state(iris, restore_global_random):
    """Rebuilding a network draws Keras' default seeds: not from the
    caller's random module (fitted network, or a model parameter)."""
    X, y = iris
    template = keras.Sequential(
        [keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax")]
    )
    fitted = pickle.dumps(KerasClassifier(**FAST).fit(X, y))
    with_template = pickle.dumps(KerasClassifier(template))
    for data in (fitted, with_template):
        random.seed(7)
        expected = random.random()
        random.seed(7)
        before = global_state()
        pickle.loads(data)
        assert global_state() == before
        assert random.random() == expected


def test_unrelated_keras_code_still_works_after_a_seeded_fit(iris):
    """scikeras enables op determinism; then unseeded random ops fail with
    "Random ops require a seed". Here they keep working, and stay random."""
    X, y = iris
    KerasClassifier(**FAST).fit(X, y)
    draws = [tf.random.uniform((3,)).numpy() for _ in range(2)]
    assert not np.array_equal(*draws)
    dropped = keras.layers.Dropout(0.5)(np.ones((4, 8)), training=True)
    assert 0 < float(np.mean(keras.ops.convert_to_numpy(dropped) == 0)) < 1
    # A plain Keras model trains on NumPy arrays (Model.fit shuffles with
    # TensorFlow's global generator).
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(X, y, epochs=1, batch_size=32, verbose=0)


def test_a_seeded_fit_leaves_unseeded_keras_randomness_unseeded(iris):
    """After two identical seeded fits, Keras' unseeded draws still differ:
    the fit's seeding did not leak into the default generators."""
    X, y = iris
    draws = []
    for _ in range(2):
        KerasClassifier(**FAST).fit(X, y)
        layer = keras.layers.Dense(4)
        layer.build((None, 3))
        draws.append(
            (
                layer.kernel.numpy(),
                keras.ops.convert_to_numpy(keras.random.normal((5,))),
            )
        )
    assert not np.array_equal(draws[0][0], draws[1][0])
    assert not np.array_equal(draws[0][1], draws[1][1])


def test_seeded_fit_ignores_global_seeds(iris, restore_global_random):
    """Whatever the user seeded globally, random_state alone decides."""
    X, y = iris
    random.seed(1)
    np.random.seed(1)  # noqa: NPY002 (a user seeding the global generator)
    first = KerasClassifier(**FAST).fit(X, y).predict_proba(X)
    random.seed(2)
    np.random.seed(2)  # noqa: NPY002
    second = KerasClassifier(**FAST).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)


def test_fit_in_a_thread_while_another_uses_random(iris, restore_global_random):
    X, y = iris
    expected = {
        seed: KerasClassifier(**{**FAST, "random_state": seed})
        .fit(X, y)
        .predict_proba(X)
        for seed in (0, 1)
    }
    results, errors = {}, []

    def fit(seed):
        try:
            est = KerasClassifier(**{**FAST, "random_state": seed})
            results[seed] = est.fit(X, y).predict_proba(X)
        except Exception as exc:  # surfaced below, not lost in the thread
            errors.append(exc)

    random.seed(123)
    draws = []
    threads = [threading.Thread(target=fit, args=(seed,)) for seed in (0, 1)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        draws.append(random.random())
    for thread in threads:
        thread.join()

    assert not errors
    for seed in (0, 1):
        np.testing.assert_array_equal(results[seed], expected[seed])
    # This thread's random stream was neither consumed nor reseeded.
    reference = random.Random(123)
    assert draws == [reference.random() for _ in draws]
    assert len(draws) > 10
