"""Fixtures shared by the transfer tests: real digits data and fitted sources.

Sources are fitted once per session and shared; tests must never modify
them (several tests check that nothing does, with weight checksums).
"""

import hashlib

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

# A small network trained briefly: tracing dominates a fit's time, so a
# transfer fit with these settings costs well under a second.
QUICK = {
    "hidden_layer_sizes": (16, 8),
    "epochs": 5,
    "fine_tune_epochs": 3,
    "learning_rate": 0.01,
    "tol": None,
    "random_state": 0,
}


def weight_checksums(model) -> list[str]:
    """SHA-256 of every weight array of ``model`` (with dtype and shape)."""
    digests = []
    for variable in model.weights:
        array = np.ascontiguousarray(np.asarray(variable))
        digest = hashlib.sha256(f"{array.dtype}{array.shape}".encode())
        digest.update(array.tobytes())
        digests.append(digest.hexdigest())
    return digests


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
    return source


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
