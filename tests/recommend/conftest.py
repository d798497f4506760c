"""Fixtures shared by the recommender tests."""

import numpy as np
import pytest
import scipy.sparse as sp

from skneuro.datasets import fetch_movielens
from skneuro.recommend import InteractionEncoder, train_test_split_interactions


@pytest.fixture
def implicit_matrix():
    """60 users x 25 items, binary, ~30% dense, every item and user used."""
    rng = np.random.default_rng(0)
    X = (rng.random((60, 25)) < 0.3).astype(np.float64)
    X[np.arange(25), np.arange(25)] = 1.0
    return sp.csr_array(X)


@pytest.fixture
def ratings_matrix():
    """40 users x 15 items of 1-5 ratings, ~40% dense."""
    rng = np.random.default_rng(1)
    X = rng.integers(1, 6, size=(40, 15)).astype(np.float64)
    X[rng.random(X.shape) < 0.6] = 0.0
    X[np.arange(15), np.arange(15)] = 3.0
    return sp.csr_array(X)


@pytest.fixture(scope="session")
def movielens(data_home):
    return fetch_movielens(data_home=data_home, download_if_missing=False)


@pytest.fixture(scope="session")
def movielens_positives(movielens):
    """Ratings >= 4 as a 943 x 1682 binary matrix, split 80/20 per user."""
    positives = movielens.ratings[movielens.ratings.rating >= 4]
    encoder = InteractionEncoder("user_id", "item_id")
    encoder.fit(movielens.ratings)  # all users and items, not just positives
    X = encoder.transform(positives)
    X_train, X_test = train_test_split_interactions(X, test_size=0.2, random_state=0)
    return X_train, X_test, encoder
