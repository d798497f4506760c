"""
==========
Quickstart
==========

The three kinds of skneuro estimator, each in the scikit-learn tool people
already use with it:

1. a Keras network in a ``Pipeline`` tuned by ``GridSearchCV`` (digits);
2. a network fine-tuned from a fitted source with few labels, compared with
   the same network trained from scratch, the source left untouched;
3. movie recommendations on MovieLens 100K, tuned by ``GridSearchCV``, when
   the data set is available locally.

Run it with ``python examples/quickstart.py`` (about ten seconds on two
cores, plus TensorFlow's start-up).
"""

import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skneuro import ItemKNNRecommender, KerasClassifier, TransferClassifier
from skneuro.datasets import fetch_movielens
from skneuro.recommend import InteractionEncoder

start = time.perf_counter()

# %%
# 1. A Keras network in a grid search
# -----------------------------------
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
network = make_pipeline(StandardScaler(), KerasClassifier(epochs=30, random_state=0))
search = GridSearchCV(
    network,
    {
        "kerasclassifier__hidden_layer_sizes": [(32,), (128,)],
        "kerasclassifier__learning_rate": [1e-3, 1e-2],
    },
    cv=3,
)
search.fit(X_train, y_train)
print("1. KerasClassifier on digits")
print(f"   best parameters   {search.best_params_}")
print(f"   test accuracy     {search.score(X_test, y_test):.3f}")

# %%
# 2. Transfer with few labels
# ---------------------------
# The source network learns clean digits; the target is the same digits
# with the contrast reduced and pixel noise added, and only 10 labelled
# images per class.
X_source, X_target, y_source, y_target = train_test_split(
    X / 16, y, test_size=0.5, stratify=y, random_state=0
)
noise = np.random.default_rng(0).normal(0.0, 0.2, size=X_target.shape)
X_target = np.clip(0.5 * X_target + 0.25 + noise, 0.0, 1.0)
source = KerasClassifier(hidden_layer_sizes=(128, 64), epochs=100, random_state=0)
source.fit(X_source, y_source)
weights_before = [w.copy() for w in source.model_.get_weights()]

labelled = np.concatenate([np.flatnonzero(y_target == c)[:10] for c in range(10)])
rest = np.setdiff1d(np.arange(len(y_target)), labelled)
transfer = TransferClassifier(source, random_state=0)
transfer.fit(X_target[labelled], y_target[labelled])
scratch = KerasClassifier(hidden_layer_sizes=(128, 64), random_state=0)
scratch.fit(X_target[labelled], y_target[labelled])
unchanged = all(
    np.array_equal(a, b) for a, b in zip(weights_before, source.model_.get_weights())
)
print("2. TransferClassifier, 10 labels per class on a shifted domain")
print(f"   transfer accuracy {transfer.score(X_target[rest], y_target[rest]):.3f}")
print(f"   scratch accuracy  {scratch.score(X_target[rest], y_target[rest]):.3f}")
print(f"   source unchanged  {unchanged}")

# %%
# 3. Recommending movies
# ----------------------
print("3. ItemKNNRecommender on MovieLens 100K")
try:
    movielens = fetch_movielens(download_if_missing=False)
except OSError:
    print(
        "   MovieLens 100K not found: set SKNEURO_DATA_HOME to a folder holding "
        "ml-100k/, or run skneuro.fetch_movielens() once with network access."
    )
else:
    ratings = movielens.ratings
    encoder = InteractionEncoder("user_id", "item_id")
    liked = encoder.fit_transform(ratings[ratings.rating >= 4])
    recommender = GridSearchCV(
        ItemKNNRecommender(), {"k": [50, 200], "shrinkage": [0, 25]}, cv=3
    ).fit(liked)
    items, _ = recommender.best_estimator_.recommend(liked[:1], n=5)
    titles = movielens.movies.loc[encoder.items_[items[0]], "title"]
    print(f"   best parameters   {recommender.best_params_}")
    print(f"   NDCG@10 (CV)      {recommender.best_score_:.3f}")
    print(f"   for user {encoder.users_[0]}:      {'; '.join(titles)}")

print(f"done in {time.perf_counter() - start:.0f} s")
