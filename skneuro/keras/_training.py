"""The training loop: each epoch is a single TensorFlow graph call.

``Model.fit`` on NumPy arrays pays Python and ``tf.data`` overhead for every
batch, which dominates for the small networks people put in scikit-learn
pipelines. Here the data live in tensors, an epoch's shuffled batches run
inside one traced ``tf.while_loop`` calling ``Model.train_step`` (so custom
``train_step`` overrides, compiled losses and metrics work unchanged), and
Keras callbacks see one step per epoch, as with ``steps_per_execution``.
Traced epoch functions are reused across fits of one configuration through
replicas (``_replicas``). Training options the loop does not know are
handed to ``Model.fit`` instead.
"""

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._backend import import_keras, import_tensorflow, is_tensorflow_backend
from ._replicas import REPLICAS, configuration_key, copy_training_state, make_replica

# Options the graph loop implements itself; any of MODEL_FIT_OPTIONS (or a
# non-TensorFlow backend) sends training through ``Model.fit``.
GRAPH_LOOP_OPTIONS = frozenset(
    {"epochs", "batch_size", "shuffle", "verbose", "callbacks", "validation_split"}
)
# The other ``Model.fit`` arguments are set here (x, y, sample_weight,
# validation_data, initial_epoch) or by the estimator (class_weight).
MODEL_FIT_OPTIONS = frozenset(
    {"steps_per_epoch", "validation_steps", "validation_batch_size", "validation_freq"}
)


@dataclass
class Batches:
    """Training (or validation) arrays, already encoded for the model."""

    X: np.ndarray
    y: np.ndarray
    sample_weight: np.ndarray

    def __len__(self) -> int:
        return len(self.X)

    def split_last(self, fraction: float) -> tuple["Batches", "Batches"]:
        """Keras' ``validation_split``: the last ``fraction`` of the rows."""
        n_val = int(math.floor(len(self) * fraction))
        if n_val == 0 or n_val == len(self):
            raise ValueError(
                f"validation_split={fraction} leaves no training or no "
                f"validation samples out of {len(self)}."
            )
        cut = len(self) - n_val
        return self.take(slice(None, cut)), self.take(slice(cut, None))

    def take(self, rows) -> "Batches":
        return Batches(self.X[rows], self.y[rows], self.sample_weight[rows])


def train_model(
    model,
    train: Batches,
    validation: Batches | None,
    *,
    epochs: int,
    batch_size: int,
    shuffle: bool,
    seed: int,
    callbacks: list,
    verbose: int,
    initial_epoch: int = 0,
    keras_fit_options: dict | None = None,
) -> dict[str, list[float]]:
    """Train ``model`` in place and return the per-epoch logs."""
    if keras_fit_options or not is_tensorflow_backend():
        return _train_with_model_fit(
            model,
            train,
            validation,
            epochs=epochs,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            callbacks=callbacks,
            verbose=verbose,
            initial_epoch=initial_epoch,
            options=keras_fit_options or {},
        )
    return _train_in_graph(
        model,
        train,
        validation,
        epochs=epochs,
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
        callbacks=callbacks,
        verbose=verbose,
        initial_epoch=initial_epoch,
    )


def _train_with_model_fit(
    model,
    train,
    validation,
    *,
    epochs,
    batch_size,
    shuffle,
    seed,
    initial_epoch,
    options,
    **fit_kwargs,
):
    """Hand training to ``Model.fit`` (options the graph loop lacks).

    The rows go in as a ``tf.data`` pipeline shuffled with an explicit seed:
    ``Model.fit``'s own shuffling of arrays draws from TensorFlow's global
    seed, so a seeded estimator would not be reproducible.
    """
    tf = import_tensorflow()
    dataset = tf.data.Dataset.from_tensor_slices(
        (train.X, train.y, train.sample_weight)
    )
    if shuffle:
        dataset = dataset.shuffle(len(train), seed=seed, reshuffle_each_iteration=True)
    validation_data = None
    if validation is not None:
        validation_data = (validation.X, validation.y, validation.sample_weight)
    history = model.fit(
        dataset.batch(batch_size),
        epochs=initial_epoch + epochs,
        initial_epoch=initial_epoch,
        validation_data=validation_data,
        **fit_kwargs,
        **options,
    )
    return history.history


def _build_compiled_state(model, data: Batches) -> None:
    """Create the compiled loss and metric variables outside of any graph.

    ``Model.fit`` does this symbolically before tracing; one eager evaluation
    on a single row has the same effect through public methods only.
    """
    x, y, w = data.X[:1], data.y[:1], data.sample_weight[:1]
    y_pred = model(x, training=False)
    model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=w, training=False)
    model.compute_metrics(x, y, y_pred, sample_weight=w)
    model.reset_metrics()
    if model.optimizer is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)


def _graph_pass(model, batch_size: int, step_name: str, shuffle: bool):
    """A traced function running ``step_name`` over all batches of the data.

    The number of rows is read from the data, so folds of different sizes
    share the traced graph.
    """
    tf = import_tensorflow()
    step = getattr(model, step_name)

    def one_pass(X, y, w, seed):
        for metric in model.metrics:  # in the graph: one call per epoch
            metric.reset_state()
        n_rows = tf.shape(X)[0]
        if shuffle:
            order = tf.random.experimental.stateless_shuffle(tf.range(n_rows), seed)
        else:
            order = tf.range(n_rows)
        n_batches = (n_rows + batch_size - 1) // batch_size

        def body(i):
            rows = order[i * batch_size : tf.minimum((i + 1) * batch_size, n_rows)]
            step((tf.gather(X, rows), tf.gather(y, rows), tf.gather(w, rows)))
            return (i + 1,)

        tf.while_loop(lambda i: i < n_batches, body, (tf.constant(0),))
        # Metric states have accumulated over the whole pass; reading them
        # here (rather than returning the last step's logs) traces the step
        # only once.
        return model.get_metrics_result()

    return tf.function(one_pass, autograph=False)


@dataclass
class TracedPasses:
    """A network and its traced epoch functions (``validation`` if needed)."""

    model: Any
    train: Any
    validation: Any

    @classmethod
    def trace(cls, model, data: Batches, batch_size: int, shuffle: bool, validate):
        tf = import_tensorflow()
        _build_compiled_state(model, data)
        specs = [
            tf.TensorSpec([None, *a.shape[1:]], a.dtype)
            for a in (data.X, data.y, data.sample_weight)
        ]
        seed_spec = tf.TensorSpec([2], tf.int32)
        # Concrete functions: calling them skips tf.function's retracing
        # bookkeeping, which would warn about the many fits of a grid search
        # each tracing its own epoch function.
        train_pass = _trace_releasing_gradients(
            _graph_pass(model, batch_size, "train_step", shuffle), *specs, seed_spec
        )
        validation_pass = None
        if validate:
            validation_pass = _graph_pass(
                model, max(batch_size, 1024), "test_step", False
            ).get_concrete_function(*specs, seed_spec)
        return cls(model, train_pass, validation_pass)


def _trace_releasing_gradients(function, *args):
    """``function.get_concrete_function(*args)``, leaving no registry entry.

    A ``tf.custom_gradient`` traced in a graph (Keras' optimizer all-reduces
    gradients through one) registers its gradient function in TensorFlow's
    global gradient registry and never removes it. The entry refers to the
    traced graph, which stays alive: about 3 MB per fit, without bound over a
    grid search. Gradients are taken while tracing, so afterwards the entries
    are dead weight; those referring to this function's graph are removed
    (and only those, so tracing in other threads is unaffected). If
    TensorFlow's internals differ, nothing is removed.
    """
    from tensorflow.python.framework import ops

    registry = getattr(getattr(ops, "_gradient_registry", None), "_registry", None)
    before = set(registry) if isinstance(registry, dict) else None
    concrete = function.get_concrete_function(*args)
    if before is not None:
        for name in set(registry) - before:
            entry = registry.get(name)
            if name.startswith("CustomGradient-") and _traced_in(entry, concrete.graph):
                registry.pop(name, None)
    return concrete


def _traced_in(entry, root) -> bool:
    """Whether a gradient-registry entry holds tensors of ``root``'s graphs."""
    try:
        functions, seen = [entry["type"]], set()
        while functions:
            function = functions.pop()
            if id(function) in seen:
                continue
            seen.add(id(function))
            for cell in function.__closure__ or ():
                value = cell.cell_contents
                if callable(value) and getattr(value, "__closure__", None):
                    functions.append(value)
                for item in value if isinstance(value, list | tuple) else ():
                    graph = getattr(item, "graph", None)
                    while graph is not None:
                        if graph is root:
                            return True
                        graph = getattr(graph, "outer_graph", None)
    except (KeyError, TypeError, ValueError):  # an entry of another shape
        return False
    return False


def _to_floats(logs) -> dict[str, float]:
    return {name: float(value) for name, value in logs.items()}


def _train_in_graph(
    model,
    train,
    validation,
    *,
    epochs,
    batch_size,
    shuffle,
    seed,
    callbacks,
    verbose,
    initial_epoch,
):
    """Train through traced epoch functions, a pooled replica's if possible."""
    key = _replica_key(model, train, batch_size, shuffle, validation, callbacks)
    passes = None if key is None else _pooled_passes(model, key, train)
    pooled = passes is not None
    if not pooled:
        passes = TracedPasses.trace(
            model, train, batch_size, shuffle, validation is not None
        )
    try:
        history = _run_epochs(
            passes,
            train,
            validation,
            epochs=epochs,
            steps=math.ceil(len(train) / batch_size),
            seed=seed,
            callbacks=callbacks,
            verbose=verbose,
            initial_epoch=initial_epoch,
        )
    finally:
        # Even when interrupted: the network keeps the epochs it completed,
        # as it would have trained on its own.
        if pooled:
            _hand_back(passes.model, model, train, callbacks)
    if pooled:
        REPLICAS.give_back(key, passes)
    return history


def _pooled_passes(model, key, train) -> "TracedPasses | None":
    """The pool's traced passes for ``key`` (made if missing), holding
    ``model``'s training state; None if ``model`` cannot use a replica."""
    configuration, *_, batch_size, shuffle, validate = key
    passes = REPLICAS.take(key)
    if passes is None:
        replica = make_replica(model, configuration)
        if replica is None:
            return None
        passes = TracedPasses.trace(replica, train, batch_size, shuffle, validate)
    if copy_training_state(model, passes.model):
        return passes
    REPLICAS.give_back(key, passes)  # still right for other networks
    return None


def _hand_back(replica, model, train, callbacks) -> None:
    """Leave ``model`` as training it would have: its variables, optimizer
    and metric state, its stop flag, its ``history``, and callbacks
    pointing at it."""
    copy_training_state(replica, model)
    if len(model.metrics_variables) != len(replica.metrics_variables):
        _build_compiled_state(model, train)
    for source, target in zip(
        replica.metrics_variables, model.metrics_variables, strict=True
    ):
        target.assign(source.value)
    model.stop_training = replica.stop_training
    # Keras' History callback sets itself on the network it trained.
    history = getattr(replica, "history", None)
    for callback in [*callbacks, *([history] if history is not None else [])]:
        callback.set_model(model)  # they saw the replica
    if history is not None:
        model.history, replica.history = history, None


def _replica_key(model, train, batch_size, shuffle, validation, callbacks):
    """The pool key for this training, or None to train ``model`` itself."""
    keras = import_keras()
    # Other callbacks may keep or inspect the network they are given.
    if any(type(c) is not keras.callbacks.EarlyStopping for c in callbacks):
        return None
    configuration = configuration_key(model)
    if configuration is None:
        return None
    layout = [
        (a.dtype.str, a.shape[1:]) for a in (train.X, train.y, train.sample_weight)
    ]
    return (configuration, *layout, batch_size, shuffle, validation is not None)


def _run_epochs(
    passes, train, validation, *, epochs, steps, seed, callbacks, verbose, initial_epoch
):
    tf = import_tensorflow()
    keras = import_keras()
    model = passes.model
    train_tensors = [tf.constant(a) for a in (train.X, train.y, train.sample_weight)]
    if validation is not None:
        val_tensors = [
            tf.constant(a)
            for a in (validation.X, validation.y, validation.sample_weight)
        ]
    history = keras.callbacks.History()
    callback_list = keras.callbacks.CallbackList(
        [*callbacks, history],
        add_progbar=verbose != 0,
        model=model,
        verbose=verbose,
        epochs=initial_epoch + epochs,
        steps=steps,
    )
    model.stop_training = False
    callback_list.on_train_begin()
    logs = {}
    for epoch in range(initial_epoch, initial_epoch + epochs):
        callback_list.on_epoch_begin(epoch)
        callback_list.on_train_batch_begin(0)
        epoch_seed = tf.constant([seed, epoch], dtype=tf.int32)
        logs = _to_floats(passes.train(*train_tensors, epoch_seed))
        callback_list.on_train_batch_end(steps - 1, logs)
        if validation is not None:
            val_logs = _to_floats(passes.validation(*val_tensors, epoch_seed))
            logs.update({f"val_{name}": value for name, value in val_logs.items()})
        callback_list.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    callback_list.on_train_end(logs)
    return history.history
