"""Parameter descriptions shared by the Keras estimators' docstrings.

Written once here and substituted into each class docstring, so the
classifier, the regressor and the transfer estimators document every shared
parameter identically.
"""

import inspect

MODEL = """\
model : None, callable or keras.Model, default=None
    The network. ``None`` builds a fully connected network from
    ``hidden_layer_sizes`` and ``activation``, with an output layer suited to
    the target. A callable is called at ``fit`` to build a fresh model; it
    may take ``meta`` (a dict with ``n_features_in_``, ``X_shape_`` (the
    training data's shape, as in scikeras), ``n_outputs_``, ``target_type_``,
    ``classes_``, ``n_classes_``...),
    ``compile_kwargs``, ``params`` and any argument given as
    ``model__<name>`` or as an extra keyword argument of the estimator, as
    in scikeras. A ``keras.Model`` instance is used as an architecture
    template: it is cloned with fresh weights (and recompiled with a copy of
    its compile configuration), never trained or modified.
{architecture}"""

ARCHITECTURE = """\
hidden_layer_sizes : array-like of int, default=(100,)
    Hidden units per layer of the default network, built when no model (or
    transfer source) is given.
activation : str, default="relu"
    Activation of the default network's hidden layers; any Keras name."""

COMPILE = """\
loss : str, callable or keras.losses.Loss, default="auto"
    Loss used when the model is not compiled already. ``"auto"`` picks it
    from the target: {auto_loss}; if the model's last layer is linear, the
    loss works on logits and predictions are mapped back to probabilities.
    Options go to ``loss__<name>`` (for ``"auto"`` too); the default
    network's output layer is linear for a loss on logits.
optimizer : str, keras.optimizers.Optimizer class or instance, default="adam"
    Optimizer used when the model is not compiled already. An instance is
    copied, never shared. Options go to ``optimizer__<name>``.
learning_rate : float or None, default={learning_rate}
    Learning rate of the optimizer, also replacing the rate of an optimizer
    instance (``optimizer__learning_rate`` takes precedence); ``None`` keeps
    the optimizer's own rate.
metrics : list, default=None
    Keras metrics computed during training and reported in ``history_``."""

TRAINING = """\
epochs : int, default={epochs}
    Maximum number of passes over the training data (see ``tol``).
batch_size : int or "auto", default="auto"
    Rows per gradient step; ``"auto"`` is ``min(200, n_samples)`` as in
    scikit-learn's MLPs.
shuffle : bool, default=True
    Whether to reshuffle the rows before each epoch.
callbacks : list or dict of keras.callbacks.Callback, default=None
    Keras callbacks (instances, or classes instantiated with
    ``callbacks__<key>__<name>`` options). Training runs a whole epoch per
    graph call, so callbacks see one batch per epoch.
validation_split : float, default=0.0
    Fraction of the rows, taken from the end as in Keras, held out to
    report ``val_*`` entries in ``history_``.
early_stopping : bool, default=False
    Hold out ``validation_fraction`` of the rows (stratified for
    classifiers) and stop when the validation loss has not improved by
    ``tol`` for ``n_iter_no_change`` epochs, restoring the best weights.
validation_fraction : float, default=0.1
    Fraction held out when ``early_stopping=True``.
n_iter_no_change : int, default=10
    Epochs without improvement tolerated before stopping.
tol : float or None, default=1e-4
    Minimum improvement of the training loss (or, with early stopping, the
    validation loss) that counts as progress; without early stopping,
    training stops once the loss has not improved by ``tol`` for
    ``n_iter_no_change`` epochs, as in scikit-learn's MLPs. ``None`` always
    runs ``epochs`` epochs.
warm_start : bool, default=False
    Continue training the fitted network on the next ``fit`` call instead
    of building a new one.
random_state : int, RandomState instance or None, default=None
    Seeds weight initialisation, dropout, shuffling and the validation
    split. An integer makes ``fit`` reproducible. No global random state
    (Python, NumPy, TensorFlow) is read or changed.
verbose : int, default=0
    ``0`` is silent; ``1`` shows Keras' progress bar.
**kwargs : dict
    Routed parameters (``model__``, ``fit__``, ``compile__``,
    ``predict__``, ``optimizer__``, ``loss__``, ``metrics__``,
    ``callbacks__``) and arguments of a model-building function; ``fit``
    refuses those that nothing takes (misspelled parameters)."""

ATTRIBUTES = """\
model_ : keras.Model
    The trained network.
history_ : dict of str to list of float
    Per-epoch training logs (``loss``, metrics, ``val_*``); accumulates
    over warm starts. ``pandas.DataFrame(est.history_)`` tabulates it.
n_iter_ : int
    Number of epochs run.
n_features_in_ : int
    Number of features seen during ``fit``.
feature_names_in_ : ndarray of shape (n_features_in_,)
    Names of features seen during ``fit``, when ``X`` has string column
    names.
X_shape_ : tuple of int
    Shape of one input sample.
X_dtype_ : numpy.dtype
    Data type of ``X`` seen during ``fit`` (numeric types are kept, as in
    scikeras); the network computes in float32.
n_outputs_ : int
    Number of target columns.
target_type_ : str
    Type of target, as given by ``sklearn.utils.multiclass.type_of_target``.
y_ndim_ : int
    Number of dimensions of the target seen during ``fit``.
y_dtype_ : numpy.dtype
    Data type of the target seen during ``fit``."""


def fill(cls, **extra: str) -> None:
    """Substitute the shared sections into ``cls``'s docstring, in place.

    The docstring is dedented first so that the shared, unindented sections
    line up with the class' own text. Defaults that differ between the
    estimators (``learning_rate``, ``epochs``) are read from the signature,
    so the documented value is the real one. Literal braces must be doubled.
    """
    defaults = {
        name: parameter.default
        for name, parameter in inspect.signature(cls).parameters.items()
    }
    cls.__doc__ = inspect.cleandoc(cls.__doc__).format(
        model=MODEL.format(architecture=ARCHITECTURE),
        architecture=ARCHITECTURE,
        compile=COMPILE.format(
            auto_loss=extra.pop("auto_loss"), learning_rate=defaults["learning_rate"]
        ),
        training=TRAINING.format(epochs=defaults["epochs"]),
        attributes=ATTRIBUTES,
        **extra,
    )
