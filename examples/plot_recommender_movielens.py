"""
=======================================
Recommending movies with item-based kNN
=======================================

:class:`~skneuro.recommend.ItemKNNRecommender` learns, for every movie, the
movies most often liked by the same people, then recommends to a user the
movies that are neighbours of what they already liked. This example uses
MovieLens 100K (100,000 ratings of 1,682 movies by 943 users) to

* recommend movies, by title, to one user,
* explain where one recommendation comes from,
* list the movies most similar to a given one,
* draw precision and recall at ``k`` on hidden interactions,
* tune ``k`` and ``shrinkage`` with :class:`~sklearn.model_selection.GridSearchCV`.

MovieLens is read with :func:`~skneuro.datasets.fetch_movielens`, from the
folder named by ``SKNEURO_DATA_HOME`` (it must hold ``ml-100k/``) or the
skneuro cache, and downloaded once when neither has it.
"""

# %%
# Loading the ratings
# -------------------
# A rating of 4 or 5 counts as "liked"; the recommender only sees which
# movies each user liked. :class:`~skneuro.recommend.InteractionEncoder`
# turns the long table of ratings into a sparse user x movie matrix and
# remembers which row is which user and which column which movie.

import sys

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV, KFold

from skneuro.datasets import fetch_movielens
from skneuro.recommend import (
    InteractionEncoder,
    ItemKNNRecommender,
    precision_at_k,
    recall_at_k,
    train_test_split_interactions,
)

try:
    data = fetch_movielens()
except OSError:
    print(
        "MovieLens 100K is not available: set SKNEURO_DATA_HOME to a folder "
        "holding ml-100k/ (from https://grouplens.org/datasets/movielens/100k/) "
        "or let fetch_movielens() download it once with network access."
    )
    sys.exit(0)

ratings = data.ratings
titles = data.movies["title"]
liked = ratings[ratings.rating >= 4]
encoder = InteractionEncoder("user_id", "item_id").fit(ratings)
X = encoder.transform(liked)
print(f"{X.shape[0]} users x {X.shape[1]} movies, {X.nnz} likes")


def title_of(columns):
    """Movie titles of matrix columns."""
    return titles.loc[encoder.items_[columns]].to_numpy()


# %%
# Recommending to one user
# ------------------------
# A fifth of every user's likes is hidden to judge the model later
# (:func:`~skneuro.recommend.train_test_split_interactions`); the model is
# fitted on the rest. ``weighting="tfidf"`` down-weights users who like
# everything, which sharpens the neighbourhoods.

X_train, X_test = train_test_split_interactions(X, test_size=0.2, random_state=0)
model = ItemKNNRecommender(k=200, weighting="tfidf").fit(X_train)

user = 0  # row 0 is user_id 1
user_row = X_train[[user]]
print(f"User {encoder.users_[user]} liked, among others:")
print(pd.Series(title_of(user_row.indices[:8])).to_string(index=False))

items, scores = model.recommend(user_row, n=10)
recommendations = pd.DataFrame({"title": title_of(items[0]), "score": scores[0]})
recommendations.round(3)

# %%
# Movies the user already liked are never recommended. The scores are sums
# of similarities, so they are comparable within one user only.
#
# Explaining a recommendation
# ---------------------------
# A score is the sum, over the user's movies, of their similarity to the
# recommended movie. :meth:`~skneuro.recommend.ItemKNNRecommender.explain`
# lists the largest of these contributions.

top_item = items[0][0]
owned, contributions = model.explain(user_row, top_item, n=8)
print(f"Why {title_of([top_item])[0]!r} (score {scores[0][0]:.2f})?")
pd.DataFrame({"because you liked": title_of(owned), "contribution": contributions})

# %%
# Similar movies
# --------------
# :meth:`~skneuro.recommend.ItemKNNRecommender.similar_items` reads one row
# of the learned sparse similarity matrix ``similarity_``.

star_wars = int(
    np.searchsorted(encoder.items_, titles.index[titles == "Star Wars (1977)"][0])
)
neighbours, similarities = model.similar_items(star_wars, n=8)
pd.DataFrame(
    {"similar to Star Wars (1977)": title_of(neighbours), "similarity": similarities}
)

# %%
# Precision and recall at k
# -------------------------
# Each user's hidden likes are the relevant items; the recommendations are
# computed from the likes the model was shown. Plain cosine with 100
# neighbours per movie is compared with the tf-idf model above.

cut_offs = np.arange(1, 51)
curves = {}
for name, estimator in {
    "cosine, k=100": ItemKNNRecommender(k=100),
    "tf-idf, k=200": model,
}.items():
    estimator.fit(X_train)
    recommended, _ = estimator.recommend(X_train, n=cut_offs.max())
    curves[name] = (
        [precision_at_k(X_test, recommended, k=k) for k in cut_offs],
        [recall_at_k(X_test, recommended, k=k) for k in cut_offs],
    )

fig, (ax_p, ax_r) = plt.subplots(1, 2, figsize=(9, 3.5), layout="constrained")
for name, (precision, recall) in curves.items():
    ax_p.plot(cut_offs, precision, label=name)
    ax_r.plot(cut_offs, recall, label=name)
ax_p.set(xlabel="k", ylabel="precision@k", title="Precision")
ax_r.set(xlabel="k", ylabel="recall@k", title="Recall")
ax_r.legend()
plt.show()

# %%
# Tuning k and shrinkage
# ----------------------
# Users are the samples: each cross-validation fold holds whole users out,
# and :meth:`~skneuro.recommend.ItemKNNRecommender.score` hides a fixed
# fifth of each held-out user's likes, folds the user in from the rest and
# returns NDCG@10 on the hidden part. So a plain grid search works on the
# user x movie matrix. (For another metric, pass
# ``scoring=make_recommendation_scorer(...)``.)

search = GridSearchCV(
    ItemKNNRecommender(weighting="tfidf"),
    {"k": [25, 100, 400], "shrinkage": [0.0, 20.0, 100.0]},
    cv=KFold(3, shuffle=True, random_state=0),
).fit(X)
results = pd.DataFrame(search.cv_results_)
print(f"best: {search.best_params_}, NDCG@10 = {search.best_score_:.3f}")
results.pivot(index="param_k", columns="param_shrinkage", values="mean_test_score")

# %%
# A wider neighbourhood helps on this small catalogue, and shrinking
# similarities that rest on few users does not help once tf-idf already
# discounts them. ``search.best_estimator_`` is refitted on every user and
# recommends to new users from their likes alone, without refitting.
