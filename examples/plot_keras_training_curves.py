"""
=======================================================
Training curves, callbacks and reproducible training
=======================================================

Every fitted Keras estimator keeps its per-epoch training log in
``history_``, a dict of lists that :class:`pandas.DataFrame` turns into a
table ready to plot. This example, on scikit-learn's handwritten digits,

* draws training and validation curves from ``history_``,
* adds a Keras callback whose options are estimator parameters
  (``callbacks__<key>__<option>``), so that cloning, ``set_params`` and
  grid searches handle them,
* shows that the same ``random_state`` gives identical predictions, without
  touching any global random state.
"""

# %%
# Training and validation curves
# ------------------------------
# ``metrics=["accuracy"]`` adds accuracy to the log next to the loss.
# ``validation_split=0.2`` holds out the last fifth of the training rows
# (Keras' convention: shuffle them first) and logs ``val_loss`` and
# ``val_accuracy`` after every epoch. ``tol=None`` runs all the ``epochs``
# rather than stopping once the training loss stalls.

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skneuro import KerasClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

clf = KerasClassifier(
    hidden_layer_sizes=(128,),
    learning_rate=3e-3,
    metrics=["accuracy"],
    epochs=40,
    batch_size=32,
    tol=None,
    validation_split=0.2,
    random_state=0,
)
clf.fit(X_train, y_train)
history = pd.DataFrame(clf.history_)
history.index.name = "epoch"
history.round(4).iloc[[0, 1, 2, 4, 9, 19, 39]]

# %%


def plot_curves(history, title):
    """Loss and accuracy per epoch, training and validation."""
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    epochs = history.index + 1
    for key, label in (("", "training"), ("val_", "validation")):
        ax_loss.plot(epochs, history[f"{key}loss"], label=label)
        ax_acc.plot(epochs, history[f"{key}accuracy"], label=label)
    ax_loss.set(xlabel="epoch", ylabel="loss", yscale="log", title="Loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", ylim=(0.7, 1.005), title="Accuracy")
    ax_acc.legend(loc="lower right")
    fig.suptitle(title)
    return fig


plot_curves(history, "Constant learning rate")
plt.show()

# %%
# The training loss keeps falling towards zero (the network soon classifies
# every training image correctly) while the validation loss bottoms out
# after about 15 epochs and then edges up: later epochs only memorise the
# training rows. The validation loss is what ``early_stopping=True``
# watches (see :ref:`sphx_glr_auto_examples_plot_keras_regressor_diabetes.py`).
#
# Callbacks as estimator parameters
# ---------------------------------
# Keras callbacks go in ``callbacks``. Given as a **class**, a callback is
# created afresh at every ``fit`` (so clones and cross-validation folds never
# share its state), with the options routed to it: with a dict of
# callbacks, ``callbacks__<key>__<option>`` reaches the one under ``<key>``.
# Here :class:`keras.callbacks.ReduceLROnPlateau` halves the learning rate
# whenever the validation loss has not improved for 2 epochs, down to
# ``1e-4``, and logs the learning rate in ``history_``.

scheduled = clone(clf).set_params(
    callbacks={"plateau": keras.callbacks.ReduceLROnPlateau},
    callbacks__plateau__monitor="val_loss",
    callbacks__plateau__factor=0.5,
    callbacks__plateau__patience=2,
    callbacks__plateau__min_lr=1e-4,
)
print({k: v for k, v in scheduled.get_params().items() if k.startswith("callbacks")})
scheduled.fit(X_train, y_train)
scheduled_history = pd.DataFrame(scheduled.history_)
fig = plot_curves(scheduled_history, "Learning rate reduced on plateaus")
lr_axis = fig.axes[0].twinx()
lr_axis.step(
    scheduled_history.index + 1,
    scheduled_history["learning_rate"],
    where="post",
    color="grey",
    linestyle=":",
)
lr_axis.set(ylabel="learning rate (dotted)", yscale="log")
plt.show()

# %%
# Once the learning rate has dropped, training settles and the validation
# loss no longer rises; on data this easy the test accuracy is the same.
# The callback's options are ordinary parameters, so a grid search can tune
# them: ``GridSearchCV(scheduled, {"callbacks__plateau__factor": [0.1, 0.5]})``.

print(f"constant learning rate: test accuracy {clf.score(X_test, y_test):.3f}")
print(f"reduced on plateaus:    test accuracy {scheduled.score(X_test, y_test):.3f}")

# %%
# Reproducible training
# ---------------------
# With an integer ``random_state``, weight initialisation, shuffling, dropout
# and validation splits are all derived from it, so fitting twice gives the
# same network and identical predictions (on the same machine and software).
# ``None`` draws fresh randomness at every fit.

first = clone(clf).fit(X_train, y_train).predict_proba(X_test)
second = clone(clf).fit(X_train, y_train).predict_proba(X_test)
unseeded = clone(clf).set_params(random_state=None).fit(X_train, y_train)
print(f"random_state=0, two fits identical:    {np.array_equal(first, second)}")
print(
    "random_state=None, same as those:       "
    f"{np.array_equal(first, unseeded.predict_proba(X_test))}"
)

# %%
# The seed stays inside the estimator: a fit neither reads nor changes the
# global random state of Python, NumPy, TensorFlow or Keras (unlike
# ``keras.utils.set_random_seed``), so the rest of a program draws the same
# numbers whether or not it trains a network in between.

# The legacy global generator is the state in question here.
np.random.seed(42)  # noqa: NPY002
expected = np.random.rand(3)  # noqa: NPY002
np.random.seed(42)  # noqa: NPY002
clone(clf).fit(X_train, y_train)
drawn = np.random.rand(3)  # noqa: NPY002
print(f"NumPy's global draws unaffected by fit: {np.array_equal(drawn, expected)}")
