"""
==================================================
Regression with a Keras network and early stopping
==================================================

:class:`~skneuro.KerasRegressor` predicts a continuous target; its
``score`` is R², like every scikit-learn regressor. This example, on the
diabetes data that ships with scikit-learn (442 patients, 10 measurements,
disease progression one year later),

* scales the features in a pipeline and the target with
  :class:`~sklearn.compose.TransformedTargetRegressor`,
* stops training early with scikit-learn's parameter names
  (``early_stopping``, ``validation_fraction``, ``n_iter_no_change``,
  ``tol``),
* compares the network with a linear model under the same 5-fold
  cross-validation.
"""

# %%
# The data and a linear baseline
# ------------------------------
# With so few rows a linear model is a strong baseline, and any network has
# to be compared with it on the same folds.

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_diabetes
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skneuro import KerasRegressor

X, y = load_diabetes(return_X_y=True, as_frame=True)
print(f"{X.shape[0]} patients, features: {', '.join(X.columns)}")
print(f"target: mean {y.mean():.0f}, standard deviation {y.std():.0f}")

cv = KFold(5, shuffle=True, random_state=0)
linear = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 13)))
results = {"ridge": cross_validate(linear, X, y, cv=cv)}
print(f"ridge: R² = {results['ridge']['test_score'].mean():.3f}")

# %%
# A network, with scaled inputs and target
# ----------------------------------------
# Gradient descent works best when inputs and target are of order one. The
# target (values from 25 to 346) is standardised by
# :class:`~sklearn.compose.TransformedTargetRegressor`, which also maps the
# predictions back to the original units, so ``score`` and the fold scores
# are in the same units as the ridge's. The default network has one hidden
# layer of ``hidden_layer_sizes`` units, a linear output and the mean
# squared error loss.


def network(**params):
    """A scaled network, with the target standardised around it."""
    return TransformedTargetRegressor(
        regressor=make_pipeline(
            StandardScaler(),
            KerasRegressor(
                hidden_layer_sizes=(32,), learning_rate=3e-3, random_state=0, **params
            ),
        ),
        transformer=StandardScaler(),
    )


# Training for a fixed, large number of epochs (tol=None disables stopping)
results["network, 300 epochs"] = cross_validate(
    network(epochs=300, tol=None), X, y, cv=cv, return_estimator=True
)

# %%
# Early stopping
# --------------
# ``early_stopping=True`` holds out ``validation_fraction`` of each training
# fold, watches the loss on it after every epoch, stops once it has not
# improved by ``tol`` for ``n_iter_no_change`` epochs, and restores the
# weights of the best epoch. ``epochs`` is then only an upper bound; the
# number of epochs actually run is ``n_iter_``.

results["network, early stopping"] = cross_validate(
    network(
        epochs=300,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=15,
        tol=1e-4,
    ),
    X,
    y,
    cv=cv,
    return_estimator=True,
)
fold_epochs = [
    model.regressor_[-1].n_iter_
    for model in results["network, early stopping"]["estimator"]
]
print(f"epochs run per fold: {fold_epochs}")

# %%
# Without early stopping the network keeps fitting the training rows and
# gets worse on new ones; stopped early, it comes close to the linear model,
# in less training time, but does not beat it. A small tabular data set like
# this one rarely needs a network: this is the comparison to make before
# choosing one.

scores = pd.DataFrame({name: result["test_score"] for name, result in results.items()})
scores.index.name = "fold"
summary = scores.agg(["mean", "std"]).T
summary["mean fit time (s)"] = [
    np.mean(result["fit_time"]) for result in results.values()
]
summary.round(3)

# %%

fig, ax = plt.subplots(figsize=(6, 2.8), layout="constrained")
for row, name in enumerate(scores.columns):
    ax.plot(scores[name], np.full(len(scores), row), "o", alpha=0.5, color="C0")
    ax.plot(scores[name].mean(), row, "|", markersize=20, color="C3")
ax.set_yticks(range(len(scores.columns)), scores.columns)
ax.set_ylim(-0.5, len(scores.columns) - 0.5)
ax.invert_yaxis()
ax.set(
    xlabel="R² on the held-out fold (dots: folds, bar: mean)",
    title="Diabetes, 5-fold cross-validation",
)
plt.show()

# %%
# The validation loss behind each stop is in ``history_``, next to the
# training loss (see :ref:`sphx_glr_auto_examples_plot_keras_training_curves.py`
# for training curves):

first_fold = results["network, early stopping"]["estimator"][0].regressor_[-1]
history = pd.DataFrame(first_fold.history_)
best_epoch = int(history["val_loss"].idxmin())
print(
    f"fold 0: best validation loss {history['val_loss'].min():.3f} at epoch "
    f"{best_epoch + 1} of {first_fold.n_iter_}; those weights were kept"
)
history.tail()
