"""Training options: epochs, batches, callbacks, validation, early stopping,
class and sample weights, warm starts, partial_fit, verbosity, history."""

import math

import keras
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import recall_score
from sklearn.utils.class_weight import compute_sample_weight

from skneuro import KerasClassifier, KerasRegressor
from tests.keras.conftest import FAST


class WeightRecorder(keras.callbacks.Callback):
    """Keeps the model's weights at the end of every epoch."""

    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append([w.copy() for w in self.model.get_weights()])


def test_epochs_history_and_n_iter(iris, training_spy):
    X, y = iris
    est = KerasClassifier(
        **{**FAST, "epochs": 7}, metrics=["accuracy"], callbacks=[training_spy]
    ).fit(X, y)
    assert est.n_iter_ == 7
    assert training_spy.train_begin == 1
    assert [epoch for epoch, _ in training_spy.epochs] == list(range(7))
    history = pd.DataFrame(est.history_)
    assert history.shape == (7, 2)
    assert set(history.columns) == {"loss", "accuracy"}
    assert history.dtypes.map(lambda dtype: dtype == np.float64).all()
    # What the callbacks saw is what history_ holds.
    logged = [logs["loss"] for _, logs in training_spy.epochs]
    np.testing.assert_allclose(history["loss"], logged)
    assert history["loss"].iloc[-1] < history["loss"].iloc[0]
    assert history["accuracy"].between(0, 1).all()


def test_fit_keywords_override_for_one_call(small_regression):
    X, y = small_regression
    est = KerasRegressor(**FAST)
    est.fit(X, y, epochs=2)
    assert est.n_iter_ == 2
    assert est.epochs == FAST["epochs"]  # the parameter is untouched
    est.set_params(fit__epochs=3).fit(X, y)
    assert est.n_iter_ == 3


@pytest.mark.parametrize(
    "batch_size, steps", [("auto", 1), (10, 12), (7, 18), (1000, 1)]
)
def test_batch_size_sets_the_steps_per_epoch(
    small_regression, training_spy, batch_size, steps
):
    X, y = small_regression  # 120 rows
    KerasRegressor(
        **{**FAST, "epochs": 1}, batch_size=batch_size, callbacks=[training_spy]
    ).fit(X, y)
    assert training_spy.params["steps"] == steps


def test_shuffle_changes_the_batches(small_regression):
    X, y = small_regression
    params = {**FAST, "batch_size": 16}
    shuffled = KerasRegressor(**params).fit(X, y).predict(X)
    in_order = KerasRegressor(**params, shuffle=False).fit(X, y).predict(X)
    assert not np.allclose(shuffled, in_order)


def test_callback_classes_and_dicts(iris):
    X, y = iris
    est = KerasClassifier(
        **{**FAST, "epochs": 20},
        callbacks={"stop": keras.callbacks.EarlyStopping},
        callbacks__stop__monitor="loss",
        callbacks__stop__min_delta=10.0,
        callbacks__stop__patience=1,
    ).fit(X, y)
    assert est.n_iter_ == 2


def test_validation_split_holds_out_the_last_rows(small_regression, training_spy):
    """Training on all rows with validation_split=0.25 is training on the
    first 75% of them, plus a per-epoch validation loss."""
    X, y = small_regression
    params = {**FAST, "batch_size": 10}
    est = KerasRegressor(**params, validation_split=0.25, callbacks=[training_spy]).fit(
        X, y
    )
    assert training_spy.params["steps"] == 9  # 90 of 120 rows
    assert set(est.history_) == {"loss", "val_loss"}
    assert len(est.history_["val_loss"]) == est.n_iter_ == FAST["epochs"]
    first_rows = KerasRegressor(**params).fit(X[:90], y[:90])
    np.testing.assert_array_equal(est.predict(X), first_rows.predict(X))
    # The reported validation loss is the loss on the held-out rows.
    held_out = np.mean((first_rows.predict(X[90:]) - y[90:]) ** 2)
    assert est.history_["val_loss"][-1] == pytest.approx(held_out, rel=1e-4)


@pytest.fixture(scope="module")
def early_stopped(digits):
    X, y = digits
    recorder = WeightRecorder()
    est = KerasClassifier(
        hidden_layer_sizes=(32,),
        learning_rate=0.01,
        batch_size=50,
        epochs=300,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=3,
        tol=1e-4,
        callbacks=[recorder],
        random_state=0,
    ).fit(X, y)
    return est, recorder


def test_early_stopping_stops_and_restores_the_best_weights(early_stopped, digits):
    est, recorder = early_stopped
    X, y = digits
    assert 4 <= est.n_iter_ < 300
    assert set(est.history_) == {"loss", "val_loss"}
    assert len(est.history_["loss"]) == len(est.history_["val_loss"]) == est.n_iter_
    val_loss = np.array(est.history_["val_loss"])
    best = int(np.argmin(val_loss))
    # Stopped after n_iter_no_change epochs without improving on the best.
    assert est.n_iter_ - 1 - best <= est.n_iter_no_change
    for final, at_best in zip(est.model_.get_weights(), recorder.weights[best]):
        np.testing.assert_array_equal(final, at_best)
    assert est.score(X, y) > 0.95


def test_early_stopping_holds_out_validation_fraction(digits, training_spy):
    X, y = digits  # 1797 rows; round(0.2 * 1797) = 359 held out
    KerasClassifier(
        **{**FAST, "epochs": 1},
        batch_size=100,
        early_stopping=True,
        validation_fraction=0.2,
        callbacks=[training_spy],
    ).fit(X, y)
    assert training_spy.params["steps"] == math.ceil((1797 - 359) / 100)
    assert "val_loss" in training_spy.epochs[0][1]


@pytest.mark.parametrize("early_stopping", [False, True])
def test_tol_and_n_iter_no_change(iris, early_stopping):
    """No epoch improves the loss by 1000: training stops once
    n_iter_no_change epochs have passed without improvement."""
    X, y = iris
    est = KerasClassifier(
        **{**FAST, "epochs": 50, "tol": 1000.0},
        n_iter_no_change=4,
        early_stopping=early_stopping,
    ).fit(X, y)
    assert est.n_iter_ == 5
    assert ("val_loss" in est.history_) == early_stopping


def test_tol_none_runs_every_epoch(iris):
    X, y = iris
    est = KerasClassifier(**{**FAST, "epochs": 12}, n_iter_no_change=1).fit(X, y)
    assert est.n_iter_ == 12


@pytest.fixture(scope="module")
def imbalanced_cancer(breast_cancer):
    """Breast cancer with only a fifth of the malignant (class 0) rows."""
    X, y = breast_cancer
    rng = np.random.default_rng(0)
    keep = (y == 1) | (rng.random(len(y)) < 0.2)
    return X[keep], y[keep]


def test_balanced_class_weight_is_the_balanced_sample_weight(imbalanced_cancer):
    X, y = imbalanced_cancer
    params = {**FAST, "epochs": 10}
    balanced = KerasClassifier(**params, class_weight="balanced").fit(X, y)
    weighted = KerasClassifier(**params).fit(
        X, y, sample_weight=compute_sample_weight("balanced", y)
    )
    np.testing.assert_array_equal(balanced.predict_proba(X), weighted.predict_proba(X))
    plain = KerasClassifier(**params).fit(X, y)
    # Up-weighting the rare class makes the network find it more readily.
    assert balanced.predict_proba(X)[:, 0].mean() > plain.predict_proba(X)[:, 0].mean()
    assert recall_score(y, balanced.predict(X), pos_label=0) >= recall_score(
        y, plain.predict(X), pos_label=0
    )


def test_class_weight_dict_multiplies_sample_weight(iris):
    X, y = np.asarray(iris[0]), np.array(["a", "b", "c"])[iris[1]]
    class_weight = {"a": 1.0, "b": 3.0, "c": 0.5}
    sample_weight = np.linspace(0.5, 1.5, len(y))
    by_dict = KerasClassifier(**FAST, class_weight=class_weight).fit(
        X, y, sample_weight=sample_weight
    )
    by_hand = KerasClassifier(**FAST).fit(
        X,
        y,
        sample_weight=(
            sample_weight.astype(np.float32)
            * np.vectorize(class_weight.get)(y).astype(np.float32)
        ),
    )
    np.testing.assert_allclose(
        by_dict.predict_proba(X), by_hand.predict_proba(X), atol=1e-6
    )


def test_sample_weight_reaches_the_loss(iris, fitted_iris_classifier):
    X, y = iris
    # Weights of one are no weights.
    params = fitted_iris_classifier.get_params()
    ones = clone(fitted_iris_classifier).fit(X, y, sample_weight=np.ones(len(y)))
    np.testing.assert_array_equal(
        ones.predict_proba(X), fitted_iris_classifier.predict_proba(X)
    )
    # Zero weight on a class: the network never learns to predict it.
    ignored = KerasClassifier(**params).fit(X, y, sample_weight=(y != 2).astype(float))
    assert 2 not in ignored.predict(X)
    assert 2 in fitted_iris_classifier.predict(X)


def test_warm_start_continues_training(small_regression):
    X, y = small_regression
    est = KerasRegressor(**FAST, warm_start=True).fit(X, y)
    model, first_history = est.model_, list(est.history_["loss"])
    est.fit(X, y)
    assert est.model_ is model
    assert est.n_iter_ == 2 * FAST["epochs"]
    assert est.history_["loss"][: FAST["epochs"]] == first_history
    # Two warm fits of 5 epochs are one fit of 10: same batches, same
    # optimizer state.
    once = KerasRegressor(**{**FAST, "epochs": 10}).fit(X, y)
    np.testing.assert_allclose(est.predict(X), once.predict(X), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(est.history_["loss"], once.history_["loss"], rtol=1e-5)


def test_without_warm_start_fit_starts_over(small_regression):
    X, y = small_regression
    est = KerasRegressor(**FAST).fit(X, y)
    model, first = est.model_, est.predict(X)
    est.fit(X, y)
    assert est.model_ is not model
    assert est.n_iter_ == FAST["epochs"]
    np.testing.assert_array_equal(est.predict(X), first)


def test_partial_fit_runs_one_epoch_per_call(iris):
    X, y = iris
    est = KerasClassifier(**FAST)
    for call in range(1, 4):
        est.partial_fit(X, y, classes=np.unique(y))
        assert est.n_iter_ == call
    once = KerasClassifier(**{**FAST, "epochs": 3}).fit(X, y)
    np.testing.assert_allclose(
        est.predict_proba(X), once.predict_proba(X), rtol=1e-5, atol=1e-6
    )
    # partial_fit after fit keeps training the fitted network.
    model = once.model_
    once.partial_fit(X, y)
    assert once.model_ is model and once.n_iter_ == 4


def test_partial_fit_regressor(small_regression):
    X, y = small_regression
    est = KerasRegressor(**FAST)
    est.partial_fit(X[:60], y[:60])
    first = est.score(X, y)
    est.partial_fit(X[60:], y[60:])
    est.partial_fit(X[:60], y[:60])
    assert est.n_iter_ == 3
    assert est.score(X, y) > first


def test_verbose_shows_the_keras_progress_bar(iris, capsys):
    X, y = iris
    KerasClassifier(**{**FAST, "epochs": 2}).fit(X, y)
    assert capsys.readouterr().out == ""
    KerasClassifier(**{**FAST, "epochs": 2}, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert "1/1" in out and "loss:" in out


@pytest.mark.parametrize("pooled", [True, False], ids=["pooled", "own network"])
def test_fits_leave_no_traced_graph_alive(iris, pooled, monkeypatch):
    """Keras' optimizer traced in a graph registers a custom gradient in
    TensorFlow's global registry, which would keep every fit's graph alive;
    skneuro removes its own entries once the epoch function is traced. The
    replica pool keeps a bounded number of graphs: new configurations
    evict old ones, whose graphs are then freed."""
    import gc

    from tensorflow.python.framework import ops
    from tensorflow.python.framework.func_graph import FuncGraph

    from skneuro.keras import _training
    from skneuro.keras._replicas import POOL_SIZE, REPLICAS

    def epoch_graphs():
        gc.collect()
        return sum(
            isinstance(o, FuncGraph) and o.name == "one_pass" for o in gc.get_objects()
        )

    if not pooled:
        monkeypatch.setattr(_training, "configuration_key", lambda model: None)
    X, y = iris
    registry = ops._gradient_registry._registry
    REPLICAS.clear()
    for units in range(1, POOL_SIZE + 1):  # warm up, filling the pool
        KerasClassifier(**{**FAST, "hidden_layer_sizes": (units,)}).fit(X, y)
    entries, graphs = len(registry), epoch_graphs()
    for units in range(POOL_SIZE + 1, POOL_SIZE + 4):  # each a new configuration
        KerasClassifier(**{**FAST, "hidden_layer_sizes": (units,)}).fit(X, y).predict(X)
    assert len(registry) == entries
    assert epoch_graphs() == graphs
    assert len(REPLICAS) == (POOL_SIZE if pooled else 0)
    REPLICAS.clear()
