"""Item-based recommendation as scikit-learn estimators, and its evaluation.

Nothing here imports TensorFlow or Keras.
"""

from ._matrix import InteractionEncoder
from ._metrics import (
    RecommendationScorer,
    catalog_coverage,
    hit_rate_at_k,
    make_recommendation_scorer,
    map_at_k,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
)
from ._model_selection import train_test_split_interactions
from ._recommender import ItemKNNRecommender

__all__ = [
    "InteractionEncoder",
    "ItemKNNRecommender",
    "RecommendationScorer",
    "catalog_coverage",
    "hit_rate_at_k",
    "make_recommendation_scorer",
    "map_at_k",
    "ndcg_at_k",
    "precision_at_k",
    "recall_at_k",
    "train_test_split_interactions",
]
