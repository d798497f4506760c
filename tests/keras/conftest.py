"""Fixtures and small model builders shared by the Keras estimator tests."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, make_regression

# Small, fast settings: tracing dominates a fit's time, so epochs are cheap
# but the first fit of each configuration costs about a second (later ones
# reuse its traced functions); tests share fitted estimators when they can.
FAST = {
    "hidden_layer_sizes": (8,),
    "epochs": 5,
    "learning_rate": 0.05,
    "tol": None,
    "random_state": 0,
}


@pytest.fixture
def fast():
    """Keyword arguments for a tiny network trained for a few epochs."""
    return dict(FAST)


@pytest.fixture(scope="session")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.fixture(scope="session")
def breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X, y


@pytest.fixture(scope="session")
def iris():
    """150 x 4, three classes, standardised."""
    X, y = load_iris(return_X_y=True)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


@pytest.fixture(scope="session")
def small_regression():
    X, y = make_regression(n_samples=120, n_features=5, noise=1.0, random_state=0)
    return X, y / y.std()


@pytest.fixture(scope="session")
def multi_regression():
    X, Y = make_regression(
        n_samples=120, n_features=5, n_targets=3, noise=1.0, random_state=0
    )
    return X, Y / Y.std(axis=0)


@pytest.fixture(scope="session")
def fitted_iris_classifier(iris):
    """A classifier fitted once on iris; tests must not refit or modify it."""
    from skneuro import KerasClassifier

    X, y = iris
    return KerasClassifier(**{**FAST, "epochs": 20}).fit(X, y)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def training_spy():
    """A Keras callback recording whether (and for how long) training ran."""
    import keras

    class TrainingSpy(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.train_begin = 0
            self.epochs = []

        def on_train_begin(self, logs=None):
            self.train_begin += 1

        def on_epoch_end(self, epoch, logs=None):
            self.epochs.append((epoch, dict(logs or {})))

    return TrainingSpy()
