"""The base class shared by every skneuro estimator built on a Keras model."""

import difflib
import inspect
import sys
from numbers import Integral, Real
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from ._backend import (
    draw_seed,
    import_keras,
    keras_seed_scope,
    release_kernel_cache,
)
from ._builders import build_mlp, clone_untrained, output_activation_name
from ._compile import (
    check_activation,
    check_compile_options,
    compile_with_loss,
    loss_from_logits,
    make_callbacks,
    make_loss,
    make_metrics,
    make_optimizer,
    same_loss,
)
from ._inference import CompiledForward
from ._persistence import PickledModel, model_state, pickled_loss, restore_model
from ._routing import ROUTING_PREFIXES, call_model_builder, is_routed, route_params
from ._training import GRAPH_LOOP_OPTIONS, MODEL_FIT_OPTIONS, Batches, train_model

_PREDICT_BATCH_SIZE = 8192
_FLOAT32_MAX = float(np.finfo(np.float32).max)
# Training options checked against the constructor's constraints.
_CHECKED_FIT_OPTIONS = (
    "epochs",
    "batch_size",
    "shuffle",
    "verbose",
    "validation_split",
)
# Model.fit arguments that skneuro sets itself, and what to use instead.
_FIT_OPTION_HINTS = {
    "validation_data": "hold out rows with validation_split, or early_stopping=True",
    "class_weight": "use the estimator's class_weight parameter",
    "sample_weight": "pass sample_weight to fit",
}
# scikeras parameters that skneuro spells differently.
_SCIKERAS_NAMES = {
    "build_fn": "model",
    "run_eagerly": "compile__run_eagerly",
    "loss_weights": "compile__loss_weights",
    "weighted_metrics": "compile__weighted_metrics",
    "validation_batch_size": "fit__validation_batch_size",
    "validation_freq": "fit__validation_freq",
}


def _fit_seed(random_state) -> int:
    """The seed for one fit, never drawn from NumPy's global generator."""
    if random_state is None:
        return int(np.random.default_rng().integers(np.iinfo(np.int32).max))
    if isinstance(random_state, Integral):
        return int(random_state)
    return draw_seed(random_state)


def to_float32(values: np.ndarray, name: str) -> np.ndarray:
    """``values`` as the float32 the network reads.

    Values finite in float64 but beyond float32's range would silently
    become infinite (and the network's outputs NaN): they are an error.
    """
    if values.dtype.kind == "f" and values.dtype.itemsize > 4 and values.size:
        if values.max() > _FLOAT32_MAX or values.min() < -_FLOAT32_MAX:
            raise ValueError(
                f"{name} has values beyond the float32 range the network "
                f"computes in (absolute values up to {_FLOAT32_MAX:.3g}); "
                "rescale them."
            )
    return values.astype(np.float32, copy=False)


def _check_layer_sizes(sizes) -> None:
    """Keras would only complain about ``units`` once building starts, and
    would truncate a width of 2.5 to 2."""
    widths = [sizes] if isinstance(sizes, Integral) else sizes
    if (
        isinstance(sizes, str)
        or not np.iterable(widths)
        or not all(
            isinstance(w, Integral) and not isinstance(w, bool) and w > 0
            for w in widths
        )
    ):
        raise ValueError(
            "hidden_layer_sizes must hold positive integer layer widths; got "
            f"{sizes!r}."
        )


def _spelling_hint(name: str, candidates) -> str:
    """``name`` quoted, with what was probably meant."""
    prefix, _, rest = name.partition("_")
    if name in _SCIKERAS_NAMES:
        meant = _SCIKERAS_NAMES[name]
    elif prefix in ROUTING_PREFIXES and rest and not rest.startswith("_"):
        meant = f"{prefix}__{rest}"  # a single underscore after the prefix
    else:  # like names of the same kind: routed to model__ or not
        same_kind = [c for c in candidates if is_routed(c) == is_routed(name)]
        meant = next(iter(difflib.get_close_matches(name, same_kind, n=1)), None)
    return f"{name!r}" + (f" (did you mean {meant!r}?)" if meant else "")


class BaseKerasEstimator(BaseEstimator):
    """Shared machinery of the Keras-backed estimators.

    Subclasses describe their targets (``_encode_target``, ``_default_head``,
    ``_default_loss``, ``_expected_output_units``) and how outputs become
    predictions; everything else — parameter routing, model building and
    compilation, the fast training loop, early stopping, fast inference,
    persistence — lives here. Do not instantiate this class directly.

    See Also
    --------
    skneuro.KerasClassifier : The classifier built on this base.
    skneuro.KerasRegressor : The regressor built on this base.
    skneuro.TransferClassifier : Fine-tuning a fitted network, same base.

    Examples
    --------
    Every Keras-backed estimator of skneuro derives from it, so
    ``isinstance`` tells them apart from other scikit-learn estimators:

    >>> from sklearn.linear_model import LogisticRegression
    >>> from skneuro import KerasRegressor, TransferClassifier
    >>> from skneuro.keras import BaseKerasEstimator
    >>> isinstance(KerasRegressor(), BaseKerasEstimator)
    True
    >>> isinstance(TransferClassifier(), BaseKerasEstimator)
    True
    >>> isinstance(LogisticRegression(), BaseKerasEstimator)
    False
    """

    _parameter_constraints: dict = {
        "model": [None, callable],
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [str],
        "loss": [str, callable],
        "optimizer": "no_validation",  # name, class or instance: see _compile
        "learning_rate": [Interval(Real, 0, None, closed="neither"), None],
        "metrics": [list, tuple, str, None],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "shuffle": ["boolean"],
        "callbacks": "no_validation",  # list, dict, class or instance
        "validation_split": [Interval(Real, 0, 1, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        model=None,
        *,
        hidden_layer_sizes=(100,),
        activation="relu",
        loss="auto",
        optimizer="adam",
        learning_rate=None,
        metrics=None,
        epochs=200,
        batch_size="auto",
        shuffle=True,
        callbacks=None,
        validation_split=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        warm_start=False,
        random_state=None,
        verbose=0,
        **kwargs,
    ):
        self.model = model
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.loss = loss
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.metrics = metrics
        self.epochs = epochs
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.callbacks = callbacks
        self.validation_split = validation_split
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        # Extra keywords are parameters too (scikeras' convention): routed
        # ones such as ``optimizer__momentum`` and model-builder arguments.
        self._keyword_params = dict(kwargs)

    # ------------------------------------------------------------------
    # Parameters: declared ones plus routed / builder keywords
    # ------------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Get parameters, including routed and model-builder keywords.

        Parameters
        ----------
        deep : bool, default=True
            If True, also return the parameters of contained estimators.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        params = super().get_params(deep=deep)
        params.update(self._keyword_params)
        return params

    def _builder_keywords(self) -> dict[str, Any]:
        """Extra constructor keywords that are not routed (builder arguments)."""
        return {
            name: value
            for name, value in self._keyword_params.items()
            if not is_routed(name)
        }

    def set_params(self, **params):
        """Set parameters, including routed ones such as ``optimizer__momentum``.

        Parameters
        ----------
        **params : dict
            Estimator parameters. Names starting with a routing prefix
            (``model__``, ``fit__``, ``compile__``, ``predict__``,
            ``optimizer__``, ``loss__``, ``metrics__``, ``callbacks__``) are
            accepted even if not set before.

        Returns
        -------
        self : estimator instance
            Estimator instance.
        """
        keywords = {
            name: value
            for name, value in params.items()
            if is_routed(name) or name in self._keyword_params
        }
        self._keyword_params.update(keywords)
        others = {name: value for name, value in params.items() if name not in keywords}
        if others:
            super().set_params(**others)
        return self

    # ------------------------------------------------------------------
    # Hooks for subclasses
    # ------------------------------------------------------------------
    def _encode_target(self, y, *, reset: bool, classes=None) -> np.ndarray:
        """Validate ``y``, set target attributes when ``reset``; return codes."""
        raise NotImplementedError

    def _target_meta(self) -> dict[str, Any]:
        """Target entries of ``meta`` for the model-building function."""
        raise NotImplementedError

    def _default_head(self) -> tuple[int, str]:
        """Units and activation of the default network's output layer."""
        raise NotImplementedError

    def _expected_output_units(self) -> set[int]:
        """Output widths that fit the target."""
        raise NotImplementedError

    def _default_loss(self, output_units: int, from_logits: bool, options: dict):
        """The loss used when ``loss='auto'``, with ``loss__*`` ``options``."""
        raise NotImplementedError

    def _model_targets(self, codes: np.ndarray) -> np.ndarray:
        """Encoded targets as the compiled loss expects them."""
        return codes

    def _output_transform(self) -> str | None:
        """How raw model outputs become predictions (see CompiledForward)."""
        return None

    def _class_weights(self, codes: np.ndarray) -> np.ndarray | None:
        """Per-sample weights implied by ``class_weight`` (classifiers)."""
        return None

    # ------------------------------------------------------------------
    # Fitting
    # ------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Build, compile and train the network on ``X``, ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights, multiplied into the loss.
        **fit_params : dict
            Training options overriding the estimator's for this call only
            (``epochs``, ``batch_size``, ``verbose``, ...), like ``fit__*``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        reuse = self.warm_start and hasattr(self, "model_")
        return self._fit(X, y, sample_weight, reuse_model=reuse, fit_params=fit_params)

    def _partial_fit(self, X, y, sample_weight, classes=None):
        reuse = hasattr(self, "model_")
        if not reuse:
            self._validate_params()
        return self._fit(
            X,
            y,
            sample_weight,
            reuse_model=reuse,
            fit_params={"epochs": 1},
            classes=classes,
        )

    def _fit(self, X, y, sample_weight, *, reuse_model, fit_params, classes=None):
        self._check_model_params()
        options = self._training_options(fit_params)
        if reuse_model:  # only trains: the fitted attributes stay consistent
            return self._fit_data(
                X, y, sample_weight, options, reuse_model=True, classes=classes
            )
        # A new fit replaces every fitted attribute. Should it fail part way
        # (a model-building function raising, say), the estimator is put back
        # as it was, fitted or not: never new classes_ with an old network.
        before = dict(vars(self))
        try:
            return self._fit_data(
                X, y, sample_weight, options, reuse_model=False, classes=classes
            )
        except BaseException:
            vars(self).clear()
            vars(self).update(before)
            raise

    def _fit_data(self, X, y, sample_weight, options, *, reuse_model, classes):
        X, y = self._validate_input(X, y, reset=not reuse_model)
        if sparse.issparse(y):  # a multilabel indicator matrix, say
            y = y.toarray()
        codes = self._encode_target(y, reset=not reuse_model, classes=classes)
        weights = self._sample_weights(sample_weight, X, codes)
        if not reuse_model:
            self.X_dtype_ = X.dtype
            self._check_auto_loss()
        seed = _fit_seed(self.random_state)
        X = to_float32(X, "X")

        # Rows are split before the network is built, so a validation_split
        # leaving no rows fails before any work.
        train, validation = self._split_validation(
            Batches(X, codes, weights), codes, seed, options
        )
        with keras_seed_scope(seed):
            if not reuse_model:
                self.model_ = self._build_model(X)
                self.history_ = {}
            train, validation = (
                None
                if part is None
                else Batches(part.X, self._model_targets(part.y), part.sample_weight)
                for part in (train, validation)
            )
            self._train(train, validation, seed=seed, options=options)
        self._make_forward()
        release_kernel_cache()  # or memory grows with every fit
        return self

    def _validate_input(self, X, y="no_validation", *, reset: bool):
        """Validate ``X`` (and ``y``) into numeric arrays.

        Numeric dtypes are kept (they are ``X_dtype_``, as in scikeras); the
        network reads the values as float32.
        """
        if isinstance(y, str) and y == "no_validation":
            return validate_data(self, X, reset=reset, dtype="numeric")
        return validate_data(
            self,
            X,
            y,
            reset=reset,
            dtype="numeric",
            multi_output=True,
            y_numeric=False,
        )

    def _check_model_params(self) -> None:
        """Resolve compile settings now, so mistakes fail before any work."""
        keras = import_keras()
        model = self.model
        is_layer = isinstance(model, keras.layers.Layer)
        if (model is not None and not callable(model)) or (
            is_layer and not isinstance(model, keras.Model)
        ):
            raise TypeError(
                "model must be None, a function returning a keras.Model, or a "
                f"keras.Model instance; got {type(model).__name__}."
            )
        params = self.get_params(deep=False)
        if self.loss != "auto":
            make_loss(self.loss, route_params(params, "loss"))
        make_optimizer(
            self.optimizer, self.learning_rate, route_params(params, "optimizer")
        )
        make_metrics(self.metrics, params)
        make_callbacks(self.callbacks, params)
        check_compile_options(route_params(params, "compile"))
        self._predict_batch_size()
        if model is None:
            check_activation(self.activation)
            _check_layer_sizes(self.hidden_layer_sizes)
        elif not isinstance(model, keras.Model) and inspect.isclass(model):
            if not issubclass(model, keras.Model):
                raise TypeError(
                    f"model={model.__name__} is a class but not a keras.Model subclass."
                )
        self._check_builder_keywords()

    def _builder_arguments(self) -> set[str] | None:
        """Names the model-building function takes (None: any, ``**kwargs``)."""
        try:
            parameters = inspect.signature(self.model).parameters
        except (TypeError, ValueError):  # no signature to inspect
            return None
        if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
            return None
        return set(parameters)

    def _check_builder_keywords(self) -> None:
        """Refuse extra keywords that nothing would read: they are typos.

        Unrouted extra keywords (scikeras' convention) and ``model__*`` ones
        are arguments of the model-building function, so it must take them;
        without one (the default network, a ``keras.Model`` instance) there
        are none.
        """
        keras = import_keras()
        has_builder = self.model is not None and not isinstance(self.model, keras.Model)
        accepted = self._builder_arguments() if has_builder else set()
        if accepted is None:
            return
        unknown = [
            name
            for name in self._keyword_params
            if (not is_routed(name) or name.startswith("model__"))
            and name.removeprefix("model__") not in accepted
        ]
        if not unknown:
            return
        candidates = [
            *self._get_param_names(),
            *sorted(accepted),
            *(f"model__{name}" for name in sorted(accepted)),
        ]
        if has_builder:
            name = getattr(self.model, "__name__", "the model-building function")
            reason = f"{name}() takes no such argument (it takes {sorted(accepted)})"
        else:
            reason = "this estimator has none" + (
                " (give one as model=)" if "model" in self._get_param_names() else ""
            )
        raise ValueError(
            f"Unknown parameter(s) for {type(self).__name__}: "
            f"{', '.join(_spelling_hint(name, candidates) for name in unknown)}. "
            "Extra keyword arguments are arguments of the model-building "
            f"function, and {reason}."
        )

    def _predict_batch_size(self) -> int:
        """``predict__batch_size``, read when predicting so set_params applies."""
        batch_size = self._keyword_params.get(
            "predict__batch_size", _PREDICT_BATCH_SIZE
        )
        if (
            not isinstance(batch_size, Integral)
            or isinstance(batch_size, bool)
            or batch_size < 1
        ):
            raise ValueError(
                f"predict__batch_size must be a positive int; got {batch_size!r}."
            )
        return batch_size

    def _sample_weights(self, sample_weight, X, codes) -> np.ndarray:
        weights = _check_sample_weight(
            sample_weight, X, dtype=np.float32, ensure_non_negative=True
        )
        class_weights = self._class_weights(codes)
        if class_weights is not None:
            weights = weights * class_weights.astype(np.float32)
        if not np.any(weights > 0):
            raise ValueError(
                "All sample weights are zero: there is nothing to train on."
            )
        return weights

    def _training_options(self, fit_params: dict) -> dict[str, Any]:
        params = self.get_params(deep=False)
        options = {
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "shuffle": self.shuffle,
            "verbose": self.verbose,
            "validation_split": self.validation_split,
            "callbacks": [],
        }
        options.update(route_params(params, "fit"))
        options.update(fit_params)
        self._check_training_options(options)
        extra_callbacks = options.pop("callbacks") or []
        options["callbacks"] = [
            *make_callbacks(self.callbacks, params),
            *extra_callbacks,
        ]
        options["keras_fit_options"] = {
            key: options.pop(key)
            for key in list(options)
            if key not in GRAPH_LOOP_OPTIONS
        }
        return options

    def _check_training_options(self, options: dict) -> None:
        """Check ``fit__*`` and ``fit(**kwargs)`` options like the constructor's."""
        unknown = sorted(set(options) - GRAPH_LOOP_OPTIONS - MODEL_FIT_OPTIONS)
        if unknown:
            hints = [
                f"{name}: {_FIT_OPTION_HINTS[name]}"
                for name in unknown
                if name in _FIT_OPTION_HINTS
            ]
            raise ValueError(
                f"Unknown training option(s) {unknown} (given to fit or as "
                f"fit__*). The training loop takes {sorted(GRAPH_LOOP_OPTIONS)} "
                f"and hands {sorted(MODEL_FIT_OPTIONS)} to Model.fit"
                + "".join(f"; {hint}" for hint in hints)
                + "."
            )
        validate_parameter_constraints(
            {name: self._parameter_constraints[name] for name in _CHECKED_FIT_OPTIONS},
            options,
            caller_name=f"{type(self).__name__}.fit",
        )

    def _split_validation(self, data: Batches, codes, seed, options):
        if options["validation_split"]:
            return data.split_last(options["validation_split"])
        if not self.early_stopping:
            return data, None
        if len(data) < 2:
            return data, None  # nothing can be held out of a single row
        rows = np.arange(len(data))
        n_val = max(1, round(self.validation_fraction * len(data)))
        try:  # stratified like scikit-learn's MLPs, when the data allow it
            stratify = codes if codes.ndim == 1 and self._is_classifier() else None
            train_rows, val_rows = train_test_split(
                rows, test_size=n_val, random_state=seed, stratify=stratify
            )
        except ValueError:
            train_rows, val_rows = train_test_split(
                rows, test_size=n_val, random_state=seed
            )
        return data.take(train_rows), data.take(val_rows)

    def _is_classifier(self) -> bool:
        return self.__sklearn_tags__().estimator_type == "classifier"

    def _stopping_callbacks(self, has_validation: bool) -> list:
        """scikit-learn's ``tol`` / ``n_iter_no_change`` / ``early_stopping``."""
        keras = import_keras()
        if self.early_stopping and has_validation:
            return [
                keras.callbacks.EarlyStopping(
                    monitor="val_loss",
                    min_delta=self.tol or 0.0,
                    patience=self.n_iter_no_change,
                    restore_best_weights=True,
                )
            ]
        if self.tol is not None:
            return [
                keras.callbacks.EarlyStopping(
                    monitor="loss", min_delta=self.tol, patience=self.n_iter_no_change
                )
            ]
        return []

    def _resolve_batch_size(self, batch_size) -> int:
        # "auto" means min(200, n_samples), like scikit-learn's MLPs; a batch
        # never exceeds the data anyway, and a size independent of the data
        # lets folds of any size share one traced epoch function.
        return 200 if batch_size == "auto" else int(batch_size)

    def _train(self, train: Batches, validation, *, seed: int, options: dict) -> None:
        """Run the training schedule; subclasses may run several phases."""
        self._run_epochs(
            train, validation, seed=seed, options=options, epochs=options["epochs"]
        )

    def _run_epochs(self, train, validation, *, seed, options, epochs) -> int:
        """Train ``model_`` for up to ``epochs`` epochs, append to ``history_``
        and return the number of epochs run."""
        callbacks = [
            *self._stopping_callbacks(validation is not None),
            *options["callbacks"],
        ]
        history = train_model(
            self.model_,
            train,
            validation,
            epochs=epochs,
            batch_size=self._resolve_batch_size(options["batch_size"]),
            shuffle=options["shuffle"],
            seed=seed,
            callbacks=callbacks,
            verbose=options["verbose"],
            initial_epoch=len(self.history_.get("loss", [])),
            keras_fit_options=options["keras_fit_options"],
        )
        for name, values in history.items():
            self.history_.setdefault(name, []).extend(float(v) for v in values)
        self.n_iter_ = len(self.history_.get("loss", []))
        return len(history.get("loss", []))

    # ------------------------------------------------------------------
    # Model building
    # ------------------------------------------------------------------
    def _meta(self) -> dict[str, Any]:
        """What a model-building function may need (scikeras' ``meta``)."""
        return {
            "n_features_in_": self.n_features_in_,
            # The training data's shape, as in scikeras (builders use X_shape_[1:])
            "X_shape_": (self._n_fit_rows, *self.X_shape_),
            "X_dtype_": self.X_dtype_,
            **self._target_meta(),
        }

    def _loss_expects_logits(self) -> bool:
        """Whether the ``loss`` parameter (with ``loss__*``) works on logits."""
        options = route_params(self.get_params(deep=False), "loss")
        if self.loss == "auto":
            return bool(options.get("from_logits", False))
        return loss_from_logits(make_loss(self.loss, options))

    def _auto_loss(self, output_units: int, from_logits: bool):
        """The ``loss="auto"`` loss for this output, with the ``loss__*`` options."""
        options = route_params(self.get_params(deep=False), "loss")
        return self._default_loss(output_units, from_logits, options)

    def _check_auto_loss(self) -> None:
        """Resolve an "auto" loss once the target is known, so ``loss__*``
        options it does not take fail before the network is built."""
        if self.loss == "auto":
            self._auto_loss(self._default_head()[0], self._loss_expects_logits())

    def _compile_kwargs(self, output_units: int | None = None, from_logits=False):
        params = self.get_params(deep=False)
        loss = self.loss
        if loss == "auto":
            loss = self._auto_loss(output_units, from_logits) if output_units else None
        else:
            loss = make_loss(loss, route_params(params, "loss"))
        optimizer = make_optimizer(
            self.optimizer, self.learning_rate, route_params(params, "optimizer")
        )
        return {
            "optimizer": optimizer,
            "loss": loss,
            "metrics": make_metrics(self.metrics, params),
            **route_params(params, "compile"),
        }

    def _build_model(self, X: np.ndarray):
        """Build (or clone) the network for ``X``, compile it if needed, check it."""
        X_sample = X[:1]
        self.X_shape_ = X_sample.shape[1:]  # what the network reads per sample
        self._n_fit_rows = len(X)
        model = self._instantiate_model()
        output_units = self._check_output(model, X_sample)
        # A linear last layer outputs logits (the documented rule).
        from_logits = output_activation_name(model) == "linear"
        if not model.compiled:
            model.compile(**self._compile_kwargs(output_units, from_logits))
        elif self.loss == "auto" and same_loss(
            getattr(model, "loss", None),
            self._auto_loss(self._default_head()[0], False),  # compile_kwargs'
        ):
            # Compiled by a builder with compile_kwargs, whose "auto" loss was
            # chosen for the default output layer before the model existed:
            # choose again for the real one (a linear or 2-unit output).
            loss = self._auto_loss(output_units, from_logits)
            if not same_loss(model.loss, loss):
                compile_with_loss(model, model.get_compile_config(), loss)
        self._check_loss(model, output_units)
        # Read from the sample's output: subclassed models have no output_shape.
        self._output_units = output_units
        self._output_is_logits = loss_from_logits(model.loss)
        return model

    def _instantiate_model(self):
        keras = import_keras()
        if self.model is None:
            units, activation = self._default_head()
            return build_mlp(
                self.n_features_in_,
                np.atleast_1d(self.hidden_layer_sizes),
                self.activation,
                units,
                activation,
            )
        if isinstance(self.model, keras.Model):
            return clone_untrained(self.model)
        provided = {"meta": self._meta(), "params": self.get_params(deep=False)}
        builder_params = inspect.signature(self.model).parameters
        if "compile_kwargs" in builder_params or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in builder_params.values()
        ):
            units, _ = self._default_head()
            provided["compile_kwargs"] = self._compile_kwargs(units)
        model = call_model_builder(
            self.model,
            params=self.get_params(deep=False),
            extra_params=self._builder_keywords(),
            provided=provided,
            estimator_name=type(self).__name__,
        )
        if not isinstance(model, keras.Model):
            raise TypeError(
                f"The model-building function returned {type(model).__name__}, "
                "not a keras.Model."
            )
        return model

    def _check_loss(self, model, output_units: int) -> None:
        """Fail when the compiled loss cannot train this output on the target."""

    def _check_output(self, model, X_sample) -> int:
        """Check the output width against the target; return it."""
        outputs = model(X_sample, training=False)
        if not hasattr(outputs, "shape"):
            raise ValueError(
                f"The model returns {type(outputs).__name__}; skneuro "
                "estimators need a model with a single output tensor."
            )
        shape = tuple(outputs.shape)
        expected = sorted(self._expected_output_units())
        if len(shape) != 2 or shape[-1] not in expected:
            raise ValueError(
                f"The model's output has shape {shape[1:]} per sample, but the "
                f"target needs {' or '.join(map(str, expected))} output unit(s) "
                f"({self._target_description()})."
            )
        return shape[-1]

    def _target_description(self) -> str:
        return f"{self.n_outputs_} output(s)"

    # ------------------------------------------------------------------
    # Inference
    # ------------------------------------------------------------------
    def _make_forward(self) -> None:
        transform = self._output_transform() if self._output_is_logits else None
        self._forward = CompiledForward(self.model_, self.X_shape_[0], transform)

    def _model_outputs(self, X) -> np.ndarray:
        """Validated ``X`` through the fitted network, as float64."""
        check_is_fitted(self, "model_")
        X = to_float32(self._validate_input(X, reset=False), "X")
        return self._forward(X, self._predict_batch_size()).astype(np.float64)

    def _output_width_adapts(self) -> bool:
        """Whether the network's output layer is sized from the target.

        A ``keras.Model`` instance fixes it, so such an estimator does not
        claim multi-output (or multilabel) support in its tags.
        """
        keras = sys.modules.get("keras")  # an instance implies Keras is loaded
        return keras is None or not isinstance(self.model, keras.Model)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = self._output_width_adapts()
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "model_")

    # ------------------------------------------------------------------
    # Persistence
    # ------------------------------------------------------------------
    def __getstate__(self):
        # The network as config and arrays (see _persistence); the traced
        # inference function is rebuilt on unpickling. A copy: object's
        # __getstate__ returns the instance's own __dict__.
        state = dict(super().__getstate__())
        state.pop("_forward", None)
        keras = sys.modules.get("keras")  # an instance implies Keras is loaded
        if keras is not None and isinstance(state.get("model"), keras.Model):
            state["model"] = PickledModel(state["model"])
        if keras is not None and isinstance(state.get("loss"), keras.losses.Loss):
            state["loss"] = pickled_loss(state["loss"])  # Keras' pickle drops options
        if "model_" in state:
            state["model_"] = model_state(state["model_"])
        return state

    def __setstate__(self, state):
        if "model_" in state:
            state = {**state, "model_": restore_model(state["model_"])}
        super().__setstate__(state)
        if "model_" in state:
            self._make_forward()
