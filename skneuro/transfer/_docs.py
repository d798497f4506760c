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
freeze : bool, default=True
    Whether the reused layers are frozen during the first phase
    (``epochs`` epochs), which then trains only the head.
fine_tune_epochs : int, default={fine_tune_epochs}
    Epochs of the second phase, in which the top ``unfreeze`` reused layers
    train together with the head at ``fine_tune_learning_rate``. ``0``
    skips it. ``tol`` and early stopping apply to each phase separately.
unfreeze : int or "all", default="all"
    Number of reused layers with weights, counted from the top, trained
    during fine-tuning. Reused BatchNormalization layers always stay frozen
    and normalise with the source's statistics.
fine_tune_learning_rate : float, default=None
    Learning rate of the fine-tuning phase, with a fresh optimizer; ``None``
    is a tenth of the first phase's learning rate."""

ATTRIBUTES = """\
preprocessing_ : Pipeline or None
    Copy of the source pipeline's fitted preprocessing steps, applied to
    ``X`` before the network; ``None`` when the source has none.
n_features_in_ : int
    Number of features of ``X`` (before ``preprocessing_``)."""
