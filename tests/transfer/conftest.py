"""Fixtures shared by the transfer tests: real digits data and fitted sources.

Sources are fitted once per session and shared; tests must never modify
them (several tests check that nothing does, with weight checksums).
"""

import hashlib
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

# A small network trained briefly: tracing dominates a fit's time, so a
# transfer fit with these settings costs well under a second.
# Both phases (a frozen one, then fine-tuning), unlike the defaults, so that
# every test exercises the whole schedule.
QUICK = {
    "hidden_layer_sizes": (16, 8),
    "freeze": True,
    "epochs": 5,
    "fine_tune_epochs": 3,
    "learning_rate": 0.01,
    "tol": None,
    "random_state": 0,
}


def array_checksum(array) -> str:
    """SHA-256 of an array's values, with its dtype and shape."""
    array = np.ascontiguousarray(np.asarray(array))
    digest = hashlib.sha256(f"{array.dtype}{array.shape}".encode())
    digest.update(array.tobytes())
    return digest.hexdigest()


def weight_checksums(model) -> list[str]:
    """SHA-256 of every weight array of ``model`` (with dtype and shape)."""
    return [array_checksum(variable) for variable in model.weights]


def source_checksums(source) -> dict:
    """Checksums of everything a transfer reads from a fitted ``source``.

    The network's weights (and how long it trained) for a skneuro estimator,
    ``coefs_`` and ``intercepts_`` for a scikit-learn MLP, and every fitted
    array attribute (``mean_``, ``scale_``, ...) of a Pipeline's other steps.
    """
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    from skneuro.keras import BaseKerasEstimator

    if isinstance(source, Pipeline):
        return {
            f"{name}.{key}": value
            for name, step in source.steps
            for key, value in source_checksums(step).items()
        }
    if isinstance(source, BaseKerasEstimator):
        weights, n_iter, n_epochs = fingerprint(source)
        return {"weights": weights, "n_iter_": n_iter, "epochs": n_epochs}
    if isinstance(source, MLPClassifier | MLPRegressor):
        return {
            "coefs_": [array_checksum(c) for c in source.coefs_],
            "intercepts_": [array_checksum(b) for b in source.intercepts_],
            "n_iter_": source.n_iter_,
        }
    fitted = {
        name: array_checksum(value)
        for name, value in sorted(vars(source).items())
        if name.endswith("_") and isinstance(value, np.ndarray)
    }
    assert fitted, f"no fitted arrays to check in {source!r}"
    return fitted


def layer_weights(model) -> dict[str, list[np.ndarray]]:
    """Copies of each layer's weights, by layer name."""
    return {
        layer.name: [np.array(w) for w in layer.get_weights()] for layer in model.layers
    }


def few_shot(y, k, seed=0):
    """Indices of ``k`` rows per class, and of all the other rows."""
    rng = np.random.default_rng(seed)
    chosen = np.concatenate(
        [
            rng.choice(np.flatnonzero(y == label), k, replace=False)
            for label in np.unique(y)
        ]
    )
    return chosen, np.setdiff1d(np.arange(len(y)), chosen)


@pytest.fixture(scope="session")
def digits_halves():
    """scikit-learn's digits in [0, 1], split in two stratified halves."""
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.5, stratify=y, random_state=0)


@pytest.fixture(scope="session")
def digits_source(digits_halves):
    """A KerasClassifier fitted on the first half (all ten digits)."""
    from skneuro import KerasClassifier

    X_a, _, y_a, _ = digits_halves
    source = KerasClassifier(
        hidden_layer_sizes=(16, 8),
        epochs=30,
        batch_size=200,
        learning_rate=0.02,
        tol=None,
        random_state=0,
    ).fit(X_a, y_a)
    _FINGERPRINTS[id(source)] = fingerprint(source)
    return _recorded(source)


_FINGERPRINTS: dict = {}


def fingerprint(estimator) -> tuple:
    """Checksums of a fitted estimator's weights, and how long it trained."""
    return (
        weight_checksums(estimator.model_),
        estimator.n_iter_,
        len(estimator.history_["loss"]),
    )


@pytest.fixture(scope="session")
def source_fingerprint(digits_source):
    """``fingerprint(digits_source)`` taken right after fitting it."""
    return _FINGERPRINTS[id(digits_source)]


_SOURCE_CHECKSUMS: dict = {}


def checksums_at_fit(source) -> dict:
    """``source_checksums(source)`` taken right after a fixture fitted it."""
    return _SOURCE_CHECKSUMS[id(source)]


def _recorded(source):
    _SOURCE_CHECKSUMS[id(source)] = source_checksums(source)
    return source


@pytest.fixture(scope="session")
def pipeline_source(digits_halves):
    """Pipeline(StandardScaler, KerasClassifier) fitted on the first half."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skneuro import KerasClassifier

    X_a, _, y_a, _ = digits_halves
    network = KerasClassifier(
        hidden_layer_sizes=(16, 8),
        epochs=15,
        batch_size=200,
        learning_rate=0.02,
        tol=None,
        random_state=0,
    )
    return _recorded(make_pipeline(StandardScaler(), network).fit(X_a, y_a))


def _fit_quietly(mlp, X, y):
    with warnings.catch_warnings():  # a short fit: not converged, on purpose
        warnings.simplefilter("ignore", ConvergenceWarning)
        return _recorded(mlp.fit(X, y))


@pytest.fixture(scope="session")
def mlp_source(digits_halves):
    """An MLPClassifier fitted on the first half (all ten digits)."""
    from sklearn.neural_network import MLPClassifier

    X_a, _, y_a, _ = digits_halves
    return _fit_quietly(MLPClassifier((16,), max_iter=60, random_state=0), X_a, y_a)


@pytest.fixture(scope="session")
def mlp_regressor_source(digits_halves):
    """An MLPRegressor fitted on the first half, to predict ``digit / 9``."""
    from sklearn.neural_network import MLPRegressor

    X_a, _, y_a, _ = digits_halves
    mlp = MLPRegressor(hidden_layer_sizes=(16,), max_iter=80, random_state=0)
    return _fit_quietly(mlp, X_a, y_a / 9.0)


@pytest.fixture(scope="session")
def few_shot_target(digits_halves):
    """Three labelled images per digit from the second half, and the rest.

    A task on which transfer from ``digits_source`` helps a lot: 30 labels
    are too few to learn digits from scratch in a few epochs.
    """
    _, X_b, _, y_b = digits_halves
    train, test = few_shot(y_b, 3)
    return X_b[train], y_b[train], X_b[test], y_b[test]


@pytest.fixture
def weight_recorder():
    """A Keras callback recording, at the start and end of each training
    phase, the weights, trainable flags and learning rate of every layer."""
    import keras

    class WeightRecorder(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.starts, self.ends = [], []

        def _snapshot(self):
            return {
                "weights": layer_weights(self.model),
                "trainable": {
                    layer.name: layer.trainable
                    for layer in self.model.layers
                    if layer.weights
                },
                "learning_rate": float(np.asarray(self.model.optimizer.learning_rate)),
            }

        def on_train_begin(self, logs=None):
            self.starts.append(self._snapshot())

        def on_train_end(self, logs=None):
            self.ends.append(self._snapshot())

    return WeightRecorder()
