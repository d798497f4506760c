"""TransferClassifier and TransferRegressor."""

import numpy as np

from ..keras import KerasClassifier, KerasRegressor
from ..keras import _docs as keras_docs
from . import _docs
from ._base import TransferMixin, transfer_constraints
from ._source import SourceNetwork


class TransferClassifier(TransferMixin, KerasClassifier):
    """Fine-tune a fitted network on a new classification task.

    Copies the layers of a fitted ``source`` below its output head, keeps
    the source's head when the target's classes are among its classes (or
    puts a new head sized for the target on top) and fine-tunes the copy on
    the target. Optionally the copied layers are first frozen while the head
    trains (``freeze``), then unfrozen for a fine-tuning phase
    (``fine_tune_epochs``, ``unfreeze``, ``fine_tune_learning_rate``).
    Everything else — parameters, routing, callbacks, early stopping, fast
    prediction, persistence — is ``KerasClassifier``'s.

    Parameters
    ----------
    {transfer}
    {architecture}
    {compile}
    {training}
    class_weight : dict, "balanced" or None, default=None
        Weights per class label, multiplied into the sample weights;
        ``"balanced"`` uses ``n_samples / (n_classes * np.bincount(y))``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (for multilabel targets, the label column indices).
    n_classes_ : int
        Number of classes (or labels).
    {transfer_attributes}
    {attributes}

    See Also
    --------
    TransferRegressor : The regression counterpart.
    skneuro.KerasClassifier : Train a network from scratch.

    Notes
    -----
    {notes}

    Transfer helps when the source learned features the target needs but
    cannot learn from its few labels; when the target is easy to learn from
    its raw features (or the domains differ too much), training from
    scratch can be as good or better. Compare with ``source=None`` in the
    same cross-validation.

    Examples
    --------
    A source for digits 0-4, fine-tuned on 50 labelled images of digits
    5-9 (the whole network trains, the source's head is replaced):

    >>> from sklearn.datasets import load_digits
    >>> from skneuro import KerasClassifier, TransferClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> source = KerasClassifier(hidden_layer_sizes=(64,), epochs=30,
    ...                          random_state=0).fit(X[y < 5], y[y < 5])
    >>> X_new, y_new = X[y >= 5], y[y >= 5]
    >>> clf = TransferClassifier(source, random_state=0)
    >>> clf.fit(X_new[:50], y_new[:50]).classes_
    array([5, 6, 7, 8, 9])
    >>> clf.score(X_new[50:], y_new[50:]) > 0.8
    True

    The two-phase recipe: the new head alone first, then everything:

    >>> clf = TransferClassifier(source, freeze=True, epochs=10,
    ...                          fine_tune_epochs=50, random_state=0)
    >>> sorted(set(clf.fit(X_new[:50], y_new[:50]).history_["phase"]))
    ['fine_tune', 'head']
    """

    _parameter_constraints: dict = transfer_constraints(
        KerasClassifier._parameter_constraints
    )

    def __init__(
        self,
        source=None,
        *,
        n_reuse=None,
        head="auto",
        freeze=False,
        fine_tune_epochs=0,
        unfreeze="all",
        fine_tune_learning_rate=None,
        hidden_layer_sizes=(100,),
        activation="relu",
        loss="auto",
        optimizer="adam",
        learning_rate=0.003,
        metrics=None,
        epochs=100,
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
        class_weight=None,
        **kwargs,
    ):
        super().__init__(
            None,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            loss=loss,
            optimizer=optimizer,
            learning_rate=learning_rate,
            metrics=metrics,
            epochs=epochs,
            batch_size=batch_size,
            shuffle=shuffle,
            callbacks=callbacks,
            validation_split=validation_split,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            warm_start=warm_start,
            random_state=random_state,
            verbose=verbose,
            class_weight=class_weight,
            **kwargs,
        )
        self.source = source
        self.n_reuse = n_reuse
        self.head = head
        self.freeze = freeze
        self.fine_tune_epochs = fine_tune_epochs
        self.unfreeze = unfreeze
        self.fine_tune_learning_rate = fine_tune_learning_rate

    def _source_head_columns(self, network: SourceNetwork):
        if network.classes is None:
            return (
                None,
                "the source is not a single-label classifier with known classes",
            )
        if self._is_multilabel():
            return None, "the target is multilabel"
        source_classes = np.asarray(network.classes)
        matches = [np.flatnonzero(source_classes == label) for label in self.classes_]
        missing = [label for label, m in zip(self.classes_, matches) if not len(m)]
        if missing:
            return None, (
                f"the target's classes {np.asarray(missing).tolist()} are not "
                "source classes"
            )
        columns = np.array([m[0] for m in matches])
        if len(columns) == len(source_classes) and np.all(
            columns == np.arange(len(columns))
        ):
            return None, None  # same classes, same order: the head as it is
        if self.head == "auto" and len(columns) < len(source_classes):
            # Labels are matched by value, and a target labelled 0/1 may mean
            # something else than the source's classes 0 and 1: a subset
            # keeps the source's units only when asked (head="source").
            return None, "the target has only some of the source's classes"
        return columns, None


class TransferRegressor(TransferMixin, KerasRegressor):
    """Fine-tune a fitted network on a new regression task.

    Copies the layers of a fitted ``source`` below its output head, puts a
    new head sized for the target's outputs on top and fine-tunes the copy
    on the target, optionally in two phases (``freeze``, then
    ``fine_tune_epochs``) as ``TransferClassifier`` does. Everything else is
    ``KerasRegressor``'s.

    Parameters
    ----------
    {transfer}
    {architecture}
    {compile}
    {training}

    Attributes
    ----------
    {transfer_attributes}
    {attributes}

    See Also
    --------
    TransferClassifier : The classification counterpart.
    skneuro.KerasRegressor : Train a network from scratch.

    Notes
    -----
    {notes}

    Examples
    --------
    >>> import numpy as np
    >>> from skneuro import KerasRegressor, TransferRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 8))
    >>> source = KerasRegressor(hidden_layer_sizes=(32,), epochs=50,
    ...                         random_state=0).fit(X, np.sin(X[:, 0]) + X[:, 1])
    >>> y_new = 2 * np.sin(X[:, 0]) - X[:, 1]  # same features, new target
    >>> reg = TransferRegressor(source, epochs=50, fine_tune_epochs=20,
    ...                         random_state=0).fit(X[:60], y_new[:60])
    >>> reg.predict(X[:2]).shape
    (2,)
    >>> reg.score(X[60:], y_new[60:]) > 0.5
    True
    """

    _parameter_constraints: dict = transfer_constraints(
        KerasRegressor._parameter_constraints
    )

    def __init__(
        self,
        source=None,
        *,
        n_reuse=None,
        head="auto",
        freeze=False,
        fine_tune_epochs=0,
        unfreeze="all",
        fine_tune_learning_rate=None,
        hidden_layer_sizes=(100,),
        activation="relu",
        loss="auto",
        optimizer="adam",
        learning_rate=0.003,
        metrics=None,
        epochs=100,
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
        super().__init__(
            None,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            loss=loss,
            optimizer=optimizer,
            learning_rate=learning_rate,
            metrics=metrics,
            epochs=epochs,
            batch_size=batch_size,
            shuffle=shuffle,
            callbacks=callbacks,
            validation_split=validation_split,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            warm_start=warm_start,
            random_state=random_state,
            verbose=verbose,
            **kwargs,
        )
        self.source = source
        self.n_reuse = n_reuse
        self.head = head
        self.freeze = freeze
        self.fine_tune_epochs = fine_tune_epochs
        self.unfreeze = unfreeze
        self.fine_tune_learning_rate = fine_tune_learning_rate

    def _source_head_columns(self, network: SourceNetwork):
        units = network.model.outputs[0].shape[-1]
        if units != self.n_outputs_:
            return None, (
                f"the source has {units} output(s) and the target {self.n_outputs_}"
            )
        if self.head == "auto":  # a regression target's scale is its own
            return None, "a regressor gets a new head unless head='source'"
        return None, None


def _fill(cls, *, auto_head: str, auto_loss: str) -> None:
    keras_docs.fill(
        cls,
        auto_loss=auto_loss,
        transfer=_docs.PARAMETERS.format(auto_head=auto_head),
        transfer_attributes=_docs.ATTRIBUTES,
        notes=_docs.DEFAULTS_NOTE,
    )


_fill(
    TransferClassifier,
    auto_head=(
        "keeps the source's head when the target has exactly the classes of "
        "a single-label classifier source and the whole body is reused, and "
        "adds a new head otherwise (a subset of the source's classes keeps "
        'their units only with ``head="source"``).'
    ),
    auto_loss=(
        "binary cross-entropy for binary and multilabel targets, sparse "
        "categorical cross-entropy for multiclass targets"
    ),
)
_fill(
    TransferRegressor,
    auto_head="adds a new head (a regression target's scale is its own).",
    auto_loss="mean squared error",
)
