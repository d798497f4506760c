"""scikit-learn's own conformance checks, on several configurations."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skneuro.recommend import ItemKNNRecommender

# predict() estimates a rating for every (user, item) cell, so it returns
# shape (n_users, n_items); these two checks assert a predict of shape
# (n_samples,) after fitting each sparse format. That assertion cannot hold
# by construction; the sparse formats themselves (CSR/CSC/COO, matrices and
# arrays, 32- and 64-bit indices) are covered by
# test_recommender.py::test_every_sparse_format_matches_dense.
_PREDICT_IS_PER_ITEM = (
    "predict returns (n_users, n_items) rating estimates, not one value per "
    "sample; sparse formats are tested in test_recommender.py"
)
EXPECTED_FAILED_CHECKS = {
    "check_estimator_sparse_array": _PREDICT_IS_PER_ITEM,
    "check_estimator_sparse_matrix": _PREDICT_IS_PER_ITEM,
}

ESTIMATORS = [
    ItemKNNRecommender(),
    ItemKNNRecommender(k=5, weighting="bm25", shrinkage=10.0, min_support=2),
    ItemKNNRecommender(k=3, similarity="jaccard", shrinkage=2.0, n_jobs=1),
    ItemKNNRecommender(
        k=4, similarity="adjusted_cosine", shrinkage=1.0, dense_output=False
    ),
]


@parametrize_with_checks(
    ESTIMATORS, expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS
)
@pytest.mark.filterwarnings("error::UserWarning")
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
