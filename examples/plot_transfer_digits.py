"""
===================================================
Few-shot transfer on noisy digits, in a grid search
===================================================

A network trained on clean handwritten digits is fine-tuned on a harder
version of the task: other images of the same digits, with their contrast
halved and pixel noise added, of which only a few are labelled. This
example

* fits the source network once, on the clean images,
* tunes the two-phase schedule of :class:`~skneuro.TransferClassifier`
  (the new head alone, then everything) with
  :class:`~sklearn.model_selection.GridSearchCV` over
  ``fine_tune_learning_rate``, next to the default one-phase schedule:
  every candidate and fold fine-tunes a copy of the fitted source,
* checks, with a checksum of every weight array, that the search left the
  source untouched,
* draws test accuracy against the number of labelled images per class,
  transfer against the same network trained from scratch.

The data ship with scikit-learn; the corruption is the one of the
``shifted_domain`` task of ``benchmarks/bench_transfer.py``.
"""

# %%
# Source and target data
# ----------------------
# The 1,797 digits (8 x 8 pixels, scaled to [0, 1]) are split in two halves.
# The source network learns all ten digits from the first half, clean. The
# target is the second half, corrupted: ``x -> 0.25 + 0.5 x`` plus Gaussian
# noise of standard deviation 0.25.

import hashlib

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split

from skneuro import KerasClassifier, TransferClassifier

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_source, X_target, y_source, y_target = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)
noise = np.random.default_rng(12345).normal(0.0, 0.25, size=X_target.shape)
X_target = np.clip(0.25 + 0.5 * X_target + noise, 0.0, 1.0)

fig, axes = plt.subplots(2, 6, figsize=(7, 2.6))
for column in range(6):
    axes[0, column].imshow(
        X_source[column].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1
    )
    axes[1, column].imshow(
        X_target[column].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1
    )
for ax in axes.ravel():
    ax.set_axis_off()
axes[0, 0].set_title("source", loc="left", fontsize=9)
axes[1, 0].set_title("target", loc="left", fontsize=9)
plt.show()

source = KerasClassifier(
    hidden_layer_sizes=(128, 64), epochs=100, batch_size=64, random_state=0
).fit(X_source, y_source)
print(f"source network on clean images: {source.score(X_source, y_source):.3f}")
print(f"source network on the target images: {source.score(X_target, y_target):.3f}")

# %%
# Ten labelled target images per class
# ------------------------------------
# ``few_shot`` draws ``k`` labelled images of each digit; the others are the
# test set.


def few_shot(k, seed=0):
    rng = np.random.default_rng(seed)
    train = np.concatenate(
        [rng.choice(np.flatnonzero(y_target == d), k, replace=False) for d in range(10)]
    )
    return train, np.setdiff1d(np.arange(len(y_target)), train)


def checksum(model):
    """SHA-256 over every weight array of a Keras model."""
    digest = hashlib.sha256()
    for weight in model.weights:
        digest.update(np.asarray(weight).tobytes())
    return digest.hexdigest()[:16]


train, test = few_shot(10)
before = checksum(source.model_)

# %%
# Grid search over the fine-tuning learning rate
# ----------------------------------------------
# By default every layer of the copy trains from the start. The classic
# recipe freezes the copied layers while the head trains (``freeze=True``),
# then fine-tunes everything (``fine_tune_epochs``) at its own learning
# rate: the grid tries three rates, and the default schedule
# (``freeze=False``) competes in the same search.
#
# ``clone``, which the search calls for every candidate and fold, keeps the
# fitted source (``TransferClassifier`` defines ``__sklearn_clone__``), and
# each ``fit`` copies the source's weights before training: no candidate
# starts from another one's weights, none trains from scratch.

search = GridSearchCV(
    TransferClassifier(source, epochs=10, fine_tune_epochs=100, random_state=0),
    [
        {"freeze": [True], "fine_tune_learning_rate": [3e-4, 1e-3, 3e-3]},
        {"freeze": [False], "epochs": [100], "fine_tune_epochs": [0]},
    ],
    cv=StratifiedKFold(3, shuffle=True, random_state=0),
)
search.fit(X_target[train], y_target[train])
for params, score in zip(
    search.cv_results_["params"], search.cv_results_["mean_test_score"]
):
    print(f"{params}: cross-validated accuracy {score:.3f}")
best = search.best_estimator_
accuracy = best.score(X_target[test], y_target[test])
print(f"best {search.best_params_}, test accuracy {accuracy:.3f}")
phases = best.history_["phase"]
print("epochs per phase:", {p: phases.count(p) for p in dict.fromkeys(phases)})

after = checksum(source.model_)
print(f"source checksum before {before}, after {after}: unchanged={before == after}")

# %%
# Transfer against training from scratch
# --------------------------------------
# The same estimator with ``source=None`` trains the same architecture from
# random weights. With few labels per class, starting from the source gives
# a clear lead; it shrinks as labels accumulate. (Two seeds per point: the
# curves show the trend, the benchmark has the averages.)

shots = [3, 5, 10, 25]
curves = {"transfer": [], "from scratch": []}
for k in shots:
    scores = {name: [] for name in curves}
    for seed in range(2):
        train, test = few_shot(k, seed)
        for name, start in [("transfer", source), ("from scratch", None)]:
            clf = TransferClassifier(
                start, hidden_layer_sizes=(128, 64), random_state=seed
            ).fit(X_target[train], y_target[train])
            scores[name].append(clf.score(X_target[test], y_target[test]))
    for name in curves:
        curves[name].append(np.mean(scores[name]))

fig, ax = plt.subplots(figsize=(5, 3.5))
for name, accuracy in curves.items():
    ax.plot(shots, accuracy, marker="o", label=name)
ax.set_xlabel("labelled target images per class")
ax.set_ylabel("test accuracy")
ax.set_xscale("log")
ax.minorticks_off()
ax.set_xticks(shots, [str(k) for k in shots])
ax.legend()
ax.set_title("Noisy, low-contrast digits")
plt.tight_layout()
plt.show()

print(
    f"source checksum at the end {checksum(source.model_)}: unchanged="
    f"{checksum(source.model_) == before}"
)
