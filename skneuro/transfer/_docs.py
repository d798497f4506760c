"""Docstring sections shared by the two transfer estimators."""

PARAMETERS = """\
source : estimator, keras.Model, Pipeline or None, default=None
    The fitted network to start from: a fitted skneuro Keras or transfer
    estimator (so transfers chain), a built ``keras.Model``, a fitted
    ``Pipeline`` ending in one of these (its preprocessing steps are copied
    and applied as they are, never refitted), a fitted ``MLPClassifier`` or
    ``MLPRegressor`` (converted to Keras Dense layers with the same
    activations), or a ``sklearn.frozen.FrozenEstimator`` wrapping any of
    them. It is never modified: ``fit`` copies its weights. ``clone`` keeps
    the same source object (see ``__sklearn_clone__``). ``None`` trains the
    default network from scratch, like the Keras estimators.
n_reuse : int, str or None, default=None
    How much of the source to reuse, counted from the input: ``None`` keeps
    every layer below the source's output head, an int the first
    ``n_reuse`` of those layers, a str every layer up to and including the
    layer of that name.
head : {{"auto", "new", "source"}}, default="auto"
    The output layer. ``"new"`` adds a freshly initialised one sized for
    the target. ``"source"`` keeps the source's head (for a classifier, only
    the units of the target's classes, which must all be source classes).
    ``"auto"`` {auto_head}
freeze : bool, default=False
    Whether the reused layers are frozen during the first phase
    (``epochs`` epochs at ``learning_rate``), which then trains only the
    head. The default trains every layer from the start: on the benchmark's
    few-shot tasks a frozen first phase gained nothing (see Notes).
fine_tune_epochs : int, default=0
    Epochs of a second phase, in which the top ``unfreeze`` reused layers
    train together with the head at ``fine_tune_learning_rate``, with a
    fresh optimizer; ``0`` skips it. Use it after a frozen first phase
    (``freeze=True``). ``tol`` and early stopping apply to each phase
    separately.
unfreeze : int or "all", default="all"
    Number of reused layers with weights, counted from the top, trained
    during fine-tuning. Reused BatchNormalization layers always stay frozen
    and normalise with the source's statistics.
fine_tune_learning_rate : float, default=None
    Learning rate of the fine-tuning phase; ``None`` is ``learning_rate``."""

ATTRIBUTES = """\
preprocessing_ : Pipeline or None
    Copy of the source pipeline's fitted preprocessing steps, applied to
    ``X`` before the network; ``None`` when the source has none.
n_features_in_ : int
    Number of features of ``X`` (before ``preprocessing_``)."""


DEFAULTS_NOTE = """\
The default schedule (every layer trained from the start, ``epochs=100``
at ``learning_rate=0.003``, the source's head kept when the target's
classes are among the source's) was chosen with
``benchmarks/bench_transfer.py``: few-shot digits with 5, 10 and 25 labels
per class, on new classes and on a noisy, low-contrast version of the
source's domain. Of about fifty schedules (learning rates 1e-3 to 1e-2,
frozen first phases of 10 to 200 epochs, fine-tuning at the same rate or
at a tenth), over 5 seeds, it was within 1.2 points of the best on every
task and beat training from scratch by 13 to 17 points on the noisy domain
with 5 or 10 labels per class; a frozen first phase gained nothing, and
fine-tuning at a tenth of the rate lost up to 15 points. The measurements
are in the documentation's benchmarks page."""
