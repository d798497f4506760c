"""Fixtures and small model builders shared by the Keras estimator tests."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits, make_regression






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
def small_regression():
    X, y = make_regression(n_samples=120, n_features=5, noise=1.0, random_state=0)
    return X, y / y.std()


@pytest.fixture
def rng():
    return np.random.default_rng(0)
