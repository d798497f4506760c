"""What the transfer estimators add to the Keras estimators.

``TransferMixin`` goes before ``KerasClassifier`` / ``KerasRegressor`` in the
class bases and overrides three of their hooks: where the network comes from
(layers copied from the source instead of a builder), how inputs are
prepared (the source pipeline's fitted preprocessing) and the training
schedule (a frozen phase, then fine-tuning). Parameters, routing, the
training loop, early stopping, inference and persistence are inherited.
"""

import copy
import sys
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_X_y, validate_data

from ..keras._compile import make_optimizer
from ..keras._persistence import PickledModel
from ..keras._routing import route_params
from ._source import SourceNetwork, resolve_source
from ._surgery import build_network, is_batch_normalization, select_reused, split_source

PHASES = ("first", "fine_tune")

TRANSFER_CONSTRAINTS: dict = {
    "source": "no_validation",  # checked in fit, with a message per case
    "n_reuse": [Interval(Integral, 1, None, closed="left"), str, None],
    "head": [StrOptions({"auto", "new", "source"})],
    "freeze": ["boolean"],
    "fine_tune_epochs": [Interval(Integral, 0, None, closed="left")],
    "unfreeze": [Interval(Integral, 0, None, closed="left"), StrOptions({"all"})],
    "fine_tune_learning_rate": [Interval(Real, 0, None, closed="neither"), None],
}


def transfer_constraints(keras_constraints: dict) -> dict:
    """The Keras estimator's constraints, ``source`` replacing ``model``."""
    inherited = {name: c for name, c in keras_constraints.items() if name != "model"}
    return {**TRANSFER_CONSTRAINTS, **inherited}


class TransferMixin:
    """Fine-tune a copy of a fitted source network on a new task.

    Mix in before a Keras estimator class; see ``TransferClassifier``.
    """

    # -- parameters and cloning -------------------------------------------
    def get_params(self, deep: bool = True) -> dict:
        """Get parameters; the source's own parameters are not exposed.

        Parameters
        ----------
        deep : bool, default=True
            Ignored beyond the estimator's own parameters: the ``source`` is
            a fitted model used as it is, so its parameters are not part of
            this estimator's search space.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        return super().get_params(deep=False)

    def set_params(self, **params):
        """Set parameters; ``source__*`` parameters are refused.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : estimator instance
            Estimator instance.
        """
        nested = sorted(name for name in params if name.startswith("source__"))
        if nested:
            raise ValueError(
                f"Cannot set {nested}: the source is a fitted model that "
                f"{type(self).__name__} never changes or refits. Fit variants "
                "of the source yourself and search over `source` instead."
            )
        return super().set_params(**params)

    def __sklearn_clone__(self):
        """Clone every parameter except ``source``, which is shared.

        scikit-learn's ``clone`` would replace a fitted source by an unfitted
        copy, and grid searches would silently train from scratch. The source
        is never modified (its weights are copied out in ``fit``), so sharing
        the same object between clones is safe and costs no memory.
        """
        params = self.get_params(deep=False)
        source = params.pop("source")
        twin = type(self)(
            source=source,
            **{name: clone(value, safe=False) for name, value in params.items()},
        )
        for attribute in ("_metadata_request", "_sklearn_output_config"):
            if hasattr(self, attribute):
                setattr(twin, attribute, copy.deepcopy(getattr(self, attribute)))
        return twin

    def __getstate__(self):
        # A keras.Model source pickles as config and arrays, like ``model=``:
        # Keras' own pickle is time-stamped, so the same estimator would
        # pickle (and joblib.hash) differently before and after a fit.
        state = super().__getstate__()
        keras = sys.modules.get("keras")  # a Model source implies Keras is loaded
        if keras is not None and isinstance(state.get("source"), keras.Model):
            state["source"] = PickledModel(state["source"])
        return state

    # -- fitting ------------------------------------------------------------
    def _fit(self, X, y, sample_weight, *, reuse_model, phases=PHASES, **kwargs):
        # The source is resolved before any work, and referenced only while
        # fitting: the fitted estimator holds copies, never the source.
        self._fit_state = _FitState(phases=phases)
        if not reuse_model and self.source is not None:
            network = resolve_source(self.source)
            layers = split_source(network.model)
            self._fit_state = _FitState(
                phases, network, layers, select_reused(layers, self.n_reuse)
            )
        try:
            return super()._fit(X, y, sample_weight, reuse_model=reuse_model, **kwargs)
        finally:
            del self._fit_state

    def _partial_fit(self, X, y, sample_weight, classes=None):
        """One epoch of the first phase (fine-tuning is left to ``fit``)."""
        reuse = hasattr(self, "model_")
        if not reuse:
            self._validate_params()
        return self._fit(
            X,
            y,
            sample_weight,
            reuse_model=reuse,
            phases=PHASES[:1],
            fit_params={"epochs": 1},
            classes=classes,
        )

    def _validate_input(self, X, y="no_validation", *, reset: bool):
        if reset:
            network = self._fit_state.network
            steps = network.preprocessing if network is not None else []
            # Copies: refitting the caller's pipeline later must not change
            # what this fitted estimator computes.
            self.preprocessing_ = Pipeline(copy.deepcopy(steps)) if steps else None
        if self.preprocessing_ is None:
            return super()._validate_input(X, y, reset=reset)
        # Feature count and names are checked on the raw input; the source's
        # preprocessing then maps it to what the network reads.
        validate_data(self, X, reset=reset, skip_check_array=True)
        features = self.preprocessing_.transform(X)
        if isinstance(y, str) and y == "no_validation":
            return check_array(features, dtype=[np.float32, np.float64])
        return check_X_y(features, y, dtype=[np.float32, np.float64], multi_output=True)

    def _instantiate_model(self):
        state = self._fit_state
        if state.network is None:
            self._reused_layer_names = []
            return super()._instantiate_model()
        n_features = self.X_shape_[0]
        new_head, columns = self._head_plan(state)
        transferred = build_network(
            state.layers,
            state.reused,
            n_features=n_features,
            new_head=new_head,
            head_columns=columns,
            name=f"transfer_from_{state.network.model.name}",
        )
        if transferred.reinitialised:
            names = [layer.name for layer in transferred.reinitialised]
            warnings.warn(
                f"The source network reads {state.layers.n_features} features but "
                f"the data have {n_features}: its layers sized by the input width "
                f"{names} are re-initialised for the new width and only the "
                "layers above them are transferred.",
                UserWarning,
                stacklevel=5,
            )
        self._reused_layer_names = [layer.name for layer in transferred.reused]
        self._set_trainable(transferred.model, unfreeze=self._first_phase_unfreeze())
        return transferred.model

    def _head_plan(self, state: "_FitState"):
        """``(new_head, columns)``: a new head, or which source outputs to keep."""
        columns, reason = self._source_head_columns(state.network)
        if len(state.reused) < len(state.layers.body):
            reason = "n_reuse cuts below the layer the source's head reads"
        if self.head == "source" and reason:
            raise ValueError(f"head='source' cannot be used: {reason}.")
        if self.head == "new" or reason:
            return self._default_head(), None
        return None, columns

    def _source_head_columns(self, network: SourceNetwork):
        """Source outputs matching the target (or None for all), or why not."""
        raise NotImplementedError

    def _first_phase_unfreeze(self):
        return 0 if self.freeze else "all"

    def _set_trainable(self, model, *, unfreeze) -> None:
        """Freeze the reused layers except the top ``unfreeze`` with weights.

        Reused BatchNormalization layers always stay frozen, which in Keras 3
        also makes them normalise with the source's statistics: a few target
        samples would give poor batch statistics.
        """
        reused = [model.get_layer(name) for name in self._reused_layer_names]
        weighted = [
            layer
            for layer in reused
            if layer.weights and not is_batch_normalization(layer)
        ]
        n_trainable = (
            len(weighted) if unfreeze == "all" else min(unfreeze, len(weighted))
        )
        trainable = {id(layer) for layer in weighted[len(weighted) - n_trainable :]}
        for layer in reused:
            layer.trainable = id(layer) in trainable

    def _train(self, train, validation, *, seed: int, options: dict) -> None:
        if not self._reused_layer_names:  # from scratch: the Keras schedule
            super()._train(train, validation, seed=seed, options=options)
            self._mark_phase("train")
            return
        if self._fit_state.network is None:  # continuing: warm start, partial_fit
            self._enter_phase(self._first_phase_unfreeze())
        self._run_epochs(
            train, validation, seed=seed, options=options, epochs=options["epochs"]
        )
        self._mark_phase("head" if self.freeze else "train")
        if "fine_tune" not in self._fit_state.phases or not self.fine_tune_epochs:
            return
        # fine_tune_learning_rate=None: the first phase's rate. Not the
        # customary tenth: on the benchmark's few-shot tasks, fine-tuning at a
        # tenth lost up to 15 points of accuracy.
        self._enter_phase(self.unfreeze, self.fine_tune_learning_rate)
        self._run_epochs(
            train,
            validation,
            seed=seed + 1,
            options=options,
            epochs=self.fine_tune_epochs,
        )
        self._mark_phase("fine_tune")

    def _enter_phase(self, unfreeze, learning_rate=None) -> None:
        """Set which layers train and recompile with a fresh optimizer.

        The optimizer is the first phase's (``learning_rate`` and routed
        ``optimizer__*`` options, which take precedence), unless an explicit
        ``learning_rate`` is given for this phase.
        """
        self._set_trainable(self.model_, unfreeze=unfreeze)
        compile_kwargs = self._compile_kwargs()
        if learning_rate is not None:
            params = self.get_params(deep=False)
            compile_kwargs["optimizer"] = make_optimizer(
                self.optimizer,
                None,
                {**route_params(params, "optimizer"), "learning_rate": learning_rate},
            )
        self.model_.compile(**{**compile_kwargs, "loss": self.model_.loss})

    def _mark_phase(self, phase: str) -> None:
        """Label the epochs run since the last label in ``history_["phase"]``."""
        labels = self.history_.setdefault("phase", [])
        labels.extend([phase] * (self.n_iter_ - len(labels)))

    def _output_width_adapts(self) -> bool:
        return True


class _FitState:
    """What one ``fit`` call knows about the source (discarded afterwards)."""

    def __init__(self, phases, network=None, layers=None, reused=None):
        self.phases = phases
        self.network = network
        self.layers = layers
        self.reused = reused
