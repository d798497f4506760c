"""Code written for scikeras runs unchanged with skneuro's estimators.

The snippets below are written the way scikeras' documentation teaches:
model-building functions taking ``meta``, ``compile_kwargs`` and builder
arguments, and routed ``model__``/``optimizer__``/``loss__``/``fit__``/
``predict__``/``callbacks__`` parameters. Each is executed with only the
import line changed.
"""

import copy
import math
import textwrap

import keras
import numpy as np
import pytest
from sklearn.metrics import accuracy_score, r2_score

from skneuro import KerasClassifier, KerasRegressor


def run_as_skneuro(source: str) -> dict:
    """Execute scikeras-style ``source`` with skneuro's wrappers imported."""
    source = textwrap.dedent(source)
    scikeras_import = "from scikeras.wrappers import "
    assert scikeras_import in source
    namespace: dict = {}
    exec(source.replace(scikeras_import, "from skneuro import "), namespace)
    return namespace


QUICKSTART = """
import numpy as np
import keras
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from scikeras.wrappers import KerasClassifier

X, y = make_classification(300, 10, n_informative=6, random_state=0)
X = X.astype(np.float32)
y = y.astype(np.int64)


def get_model(hidden_layer_dim, meta):
    # meta is filled in by the wrapper with what it learnt from the data
    n_features_in_ = meta["n_features_in_"]
    X_shape_ = meta["X_shape_"]
    n_classes_ = meta["n_classes_"]

    model = keras.models.Sequential()
    model.add(keras.layers.Input(shape=X_shape_[1:]))
    model.add(keras.layers.Dense(n_features_in_, activation="relu"))
    model.add(keras.layers.Dense(hidden_layer_dim, activation="relu"))
    model.add(keras.layers.Dense(n_classes_, activation="softmax"))
    return model


clf = KerasClassifier(
    get_model,
    loss="sparse_categorical_crossentropy",
    hidden_layer_dim=16,
    epochs=20,
    batch_size=32,
    random_state=0,
    verbose=0,
)
clf.fit(X, y)
y_proba = clf.predict_proba(X)

pipe = Pipeline([("scale", StandardScaler()), ("clf", clf)])
pipe.fit(X, y)
pipe_proba = pipe.predict_proba(X)

params = {
    "hidden_layer_dim": [4, 16],
    "optimizer__learning_rate": [0.01],
}
gs = GridSearchCV(clf, params, refit=False, cv=2, scoring="accuracy")
gs.fit(X, y)
"""


def test_quickstart_runs_unchanged():
    ns = run_as_skneuro(QUICKSTART)
    clf, X, y = ns["clf"], ns["X"], ns["y"]
    assert type(clf).__module__.startswith("skneuro.")
    assert ns["y_proba"].shape == (300, 2)
    np.testing.assert_allclose(ns["y_proba"].sum(axis=1), 1.0, rtol=1e-5)
    assert accuracy_score(y, ns["y_proba"].argmax(axis=1)) > 0.7
    # The builder's layers were sized from meta and the builder argument.
    assert [layer.units for layer in clf.model_.layers] == [10, 16, 2]
    # The pipeline refitted the same estimator, on scaled data.
    assert accuracy_score(y, ns["pipe_proba"].argmax(axis=1)) > 0.7
    assert ns["pipe"].score(X, y) == accuracy_score(y, ns["pipe"].predict(X))
    gs = ns["gs"]
    assert [p["hidden_layer_dim"] for p in gs.cv_results_["params"]] == [4, 16]
    assert np.all(np.isfinite(gs.cv_results_["mean_test_score"]))


def test_meta_describes_the_training_data(iris):
    X, y = iris
    seen = {}

    def build(meta):
        seen.update(meta)
        return keras.Sequential(
            [
                keras.Input(shape=meta["X_shape_"][1:]),
                keras.layers.Dense(meta["n_classes_"], activation="softmax"),
            ]
        )

    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    KerasClassifier(build, epochs=1, random_state=0).fit(X, labels)
    assert seen["n_features_in_"] == 4
    assert seen["X_shape_"] == (150, 4)  # the whole training data, as scikeras
    assert seen["n_classes_"] == 3
    assert list(seen["classes_"]) == ["setosa", "versicolor", "virginica"]
    assert seen["target_type_"] == "multiclass"
    assert seen["n_outputs_"] == 1
    # The data's own dtypes, as scikeras records them.
    assert (seen["X_dtype_"], seen["y_dtype_"]) == (X.dtype, labels.dtype)
    assert seen["y_ndim_"] == 1

    X_int = np.round(X * 10).astype(np.int32)
    KerasClassifier(build, epochs=1, random_state=0).fit(X_int, y.astype(bool))
    assert (seen["X_dtype_"], seen["y_dtype_"]) == (np.int32, bool)
    reg = KerasRegressor(epochs=1, hidden_layer_sizes=(2,)).fit(X_int, y)
    assert (reg.X_dtype_, reg.y_dtype_) == (np.int32, y.dtype)


REGRESSION = """
import keras
from sklearn.datasets import make_regression

from scikeras.wrappers import KerasRegressor

X, y = make_regression(200, 6, noise=0.1, random_state=0)
y = y / y.std()


def get_reg(meta, hidden_layer_sizes, dropout):
    n_features_in_ = meta["n_features_in_"]
    model = keras.models.Sequential()
    model.add(keras.layers.Input(shape=(n_features_in_,)))
    for hidden_layer_size in hidden_layer_sizes:
        model.add(keras.layers.Dense(hidden_layer_size, activation="relu"))
        model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(1))
    return model


reg = KerasRegressor(
    model=get_reg,
    loss="mse",
    optimizer="adam",
    optimizer__learning_rate=0.02,
    model__hidden_layer_sizes=(32, 16),
    model__dropout=0.1,
    metrics=["mean_absolute_error"],
    epochs=40,
    random_state=0,
    verbose=False,
)
reg.fit(X, y)
y_pred = reg.predict(X)
"""


def test_regression_with_routed_builder_arguments():
    ns = run_as_skneuro(REGRESSION)
    reg, X, y = ns["reg"], ns["X"], ns["y"]
    # model__hidden_layer_sizes reached the builder: two hidden Dense layers
    # with dropout between them.
    dense = [layer.units for layer in reg.model_.layers if hasattr(layer, "units")]
    assert dense == [32, 16, 1]
    assert sum(isinstance(la, keras.layers.Dropout) for la in reg.model_.layers) == 2
    assert float(reg.model_.optimizer.learning_rate) == pytest.approx(0.02)
    assert "mean_absolute_error" in reg.history_
    assert ns["y_pred"].shape == (200,)
    assert reg.score(X, y) == pytest.approx(r2_score(y, ns["y_pred"]))
    assert reg.score(X, y) > 0.8


COMPILE_KWARGS = """
import keras
from sklearn.datasets import make_classification

from scikeras.wrappers import KerasClassifier

X, y = make_classification(200, 8, n_informative=5, n_classes=3, random_state=0)


def get_clf_model(meta, compile_kwargs, hidden_units=16):
    model = keras.Sequential()
    model.add(keras.layers.Input(shape=(meta["n_features_in_"],)))
    model.add(keras.layers.Dense(hidden_units, activation="relu"))
    model.add(keras.layers.Dense(meta["n_classes_"], activation="softmax"))
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=compile_kwargs["optimizer"],
        metrics=["accuracy"],
    )
    return model


clf = KerasClassifier(
    model=get_clf_model,
    optimizer="sgd",
    optimizer__learning_rate=0.05,
    optimizer__momentum=0.9,
    model__hidden_units=12,
    epochs=15,
    random_state=0,
)
clf.fit(X, y)
"""


def test_builder_compiling_with_compile_kwargs():
    ns = run_as_skneuro(COMPILE_KWARGS)
    clf, X, y = ns["clf"], ns["X"], ns["y"]
    optimizer = clf.model_.optimizer
    assert isinstance(optimizer, keras.optimizers.SGD)
    assert float(optimizer.learning_rate) == pytest.approx(0.05)
    assert optimizer.momentum == pytest.approx(0.9)
    assert clf.model_.layers[0].units == 12
    # The builder's own compile settings were kept (its metric is logged).
    assert len(clf.history_["accuracy"]) == clf.n_iter_ == 15
    assert clf.score(X, y) == pytest.approx(accuracy_score(y, clf.predict(X)))
    assert clf.score(X, y) > 0.6


class Recorder(keras.callbacks.Callback):
    """A callback class instantiated by the wrapper from routed options."""

    instances: list = []

    def __init__(self, tag="default", every=1):
        super().__init__()
        self.tag, self.every, self.epochs = tag, every, 0
        Recorder.instances.append(self)

    def on_epoch_end(self, epoch, logs=None):
        self.epochs += 1


def chunk_sizes(est, X) -> list[int]:
    """Rows of each chunk ``est.predict`` feeds the network with."""
    forward = est._forward
    sizes = []
    padded_call = forward._padded_call
    forward._padded_call = lambda rows: sizes.append(len(rows)) or padded_call(rows)
    try:
        est.predict(X)
    finally:
        del forward._padded_call
    return sizes


def test_routed_fit_predict_loss_and_callbacks(iris):
    X, y = iris
    Recorder.instances.clear()
    clf = KerasClassifier(
        hidden_layer_sizes=(8,),
        loss=keras.losses.SparseCategoricalCrossentropy,
        loss__name="routed_loss",
        fit__batch_size=16,
        fit__epochs=3,
        predict__batch_size=7,
        callbacks={"rec": Recorder, "stop": keras.callbacks.EarlyStopping},
        callbacks__rec__tag="routed",
        callbacks__stop__monitor="loss",
        callbacks__stop__patience=100,
        epochs=50,
        tol=None,
        random_state=0,
    )
    clf.fit(X, y)
    # fit__epochs and fit__batch_size override the estimator's values.
    assert clf.n_iter_ == 3
    assert int(clf.model_.optimizer.iterations) == 3 * math.ceil(150 / 16)
    # loss__* built the loss class; callbacks__rec__* reached the class.
    assert clf.model_.loss.name == "routed_loss"
    [recorder] = [r for r in Recorder.instances if r.epochs]
    assert (recorder.tag, recorder.epochs) == ("routed", 3)
    # predict__batch_size: rows are predicted 7 at a time, same results.
    assert chunk_sizes(clf, X) == [7] * 21 + [3]
    expected = clf.predict_proba(X)
    np.testing.assert_allclose(
        np.concatenate([clf.predict_proba(X[i : i + 7]) for i in range(0, 150, 7)]),
        expected,
        rtol=1e-6,
    )


def test_predict_batch_size_set_after_fit_applies_at_once(fitted_iris_classifier, iris):
    X, _ = iris
    est = copy.deepcopy(fitted_iris_classifier)
    expected = est.predict_proba(X)
    assert chunk_sizes(est, X) == [150]  # default: 8192 rows per chunk
    est.set_params(predict__batch_size=64)
    assert chunk_sizes(est, X) == [64, 64, 22]
    np.testing.assert_array_equal(est.predict_proba(X), expected)
    est.set_params(predict__batch_size=0)
    with pytest.raises(ValueError, match="predict__batch_size must be a positive"):
        est.predict(X)


def test_routed_list_callback_options(iris):
    """``callbacks__0__*`` configures the first callback class of a list."""
    X, y = iris
    clf = KerasClassifier(
        hidden_layer_sizes=(4,),
        callbacks=[keras.callbacks.EarlyStopping],
        callbacks__0__monitor="loss",
        callbacks__0__min_delta=100.0,  # no epoch can improve that much
        callbacks__0__patience=1,
        epochs=30,
        tol=None,
        random_state=0,
    )
    clf.fit(X, y)
    assert clf.n_iter_ == 2
