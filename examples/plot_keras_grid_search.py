"""
=========================================
Tuning a Keras network with a grid search
=========================================

:class:`~skneuro.KerasClassifier` is an ordinary scikit-learn classifier, so
it goes into a :class:`~sklearn.pipeline.Pipeline` after a scaler and the
pipeline goes into :class:`~sklearn.model_selection.GridSearchCV`, which
clones, fits and scores it once per fold and parameter combination. This
example tunes

* the default network (``model=None``: a multi-layer perceptron sized by
  ``hidden_layer_sizes``) on the handwritten digits,
* a network of your own, built by a function whose arguments are searched as
  ``model__<name>`` parameters, on the breast-cancer data.

Both data sets ship with scikit-learn. The networks train for few epochs so
that the whole example runs in seconds; the trends hold with longer
training.
"""

# %%
# Digits: the default network
# ---------------------------
# 1,797 images of 8 x 8 pixels, ten classes. ``KerasClassifier()`` builds an
# MLP with a softmax output and sparse categorical cross-entropy, like
# :class:`~sklearn.neural_network.MLPClassifier`. In a pipeline, a step's
# parameters are named ``<step>__<parameter>``; ``make_pipeline`` names the
# step ``kerasclassifier``. ``tol=None`` trains every one of the ``epochs``
# (by default training stops once the loss stalls, as in scikit-learn).

import keras
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.metrics import ConfusionMatrixDisplay, classification_report
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skneuro import KerasClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

pipeline = make_pipeline(
    StandardScaler(), KerasClassifier(epochs=20, tol=None, random_state=0)
)
search = GridSearchCV(
    pipeline,
    {
        "kerasclassifier__hidden_layer_sizes": [(32,), (128,)],
        "kerasclassifier__learning_rate": [1e-3, 1e-2],
    },
    cv=StratifiedKFold(3, shuffle=True, random_state=0),
)
search.fit(X_train, y_train)


def cv_table(search):
    """The searched parameters and cross-validated scores, best first."""
    results = pd.DataFrame(search.cv_results_)
    params = pd.DataFrame(list(results["params"]))
    params.columns = [name.split("__")[-1] for name in params.columns]
    table = params.assign(
        mean_score=results["mean_test_score"],
        std=results["std_test_score"],
        fit_time_s=results["mean_fit_time"],
        rank=results["rank_test_score"],
    )
    return table.sort_values("rank").round(3)


cv_table(search)

# %%
# With only 20 epochs, the larger learning rate wins: the smaller one has not
# converged yet. The best pipeline is refitted on the whole training set;
# its accuracy on the held-out quarter of the data:

print(f"best parameters: {search.best_params_}")
print(f"test accuracy:   {search.score(X_test, y_test):.3f}")
fig, ax = plt.subplots(figsize=(4.5, 4.5), layout="constrained")
ConfusionMatrixDisplay.from_estimator(search, X_test, y_test, ax=ax, colorbar=False)
ax.set_title("Digits, held-out test set")
plt.show()

# %%
# The fitted network is a plain ``keras.Model``, ``model_`` of the last
# pipeline step:

search.best_estimator_[-1].model_.summary()

# %%
# Breast cancer: your own network
# -------------------------------
# 569 tumours described by 30 measurements, malignant or benign. The
# network comes from a function. It may ask for ``meta``, what ``fit``
# learned about the data (here the number of input features), and for any
# argument given to the estimator as ``model__<name>``: ``units`` and
# ``dropout`` below become estimator parameters that ``get_params``
# reports and ``GridSearchCV`` can search. The function returns an
# uncompiled model, so skneuro compiles it with the estimator's ``loss``
# (``"auto"``: binary cross-entropy for the single sigmoid output),
# ``optimizer`` and ``learning_rate``.


def build_network(meta, units=16, dropout=0.0):
    """One hidden layer of ``units`` with dropout, one sigmoid output."""
    return keras.Sequential(
        [
            keras.Input(shape=(meta["n_features_in_"],)),
            keras.layers.Dense(units, activation="relu"),
            keras.layers.Dropout(dropout),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
pipeline = make_pipeline(
    StandardScaler(),
    KerasClassifier(
        build_network, learning_rate=0.01, epochs=20, tol=None, random_state=0
    ),
)
search = GridSearchCV(
    pipeline,
    {
        "kerasclassifier__model__units": [4, 32],
        "kerasclassifier__model__dropout": [0.0, 0.5],
    },
    cv=StratifiedKFold(3, shuffle=True, random_state=0),
    scoring="roc_auc",
)
search.fit(X_train, y_train)
cv_table(search)

# %%
# ``mean_score`` was accuracy for the digits (a classifier's ``score``); here
# it is the area under the ROC curve, computed from ``predict_proba``,
# because of ``scoring="roc_auc"``. The data set is easy and every candidate
# is close. On the held-out test set:

best = search.best_estimator_
print(f"best parameters: {search.best_params_}")
print(f"test ROC AUC:    {search.score(X_test, y_test):.3f}")
print(f"test accuracy:   {best.score(X_test, y_test):.3f}")
report = classification_report(
    y_test, best.predict(X_test), target_names=["malignant", "benign"]
)
print(report)
