"""Pickle and joblib round trips, and ``clone``."""

import pickle

import joblib
import keras
import numpy as np
import pytest
import sklearn
from sklearn.base import clone

from skneuro import KerasClassifier, KerasRegressor
from tests.conftest import ROUND_TRIPS, pickle_round_trip
from tests.keras.builders import logits_classifier, mlp_with_meta, regressor_builder
from tests.keras.conftest import FAST


def _instance_classifier():
    model = keras.Sequential(
        [
            keras.Input(shape=(4,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.RMSprop(0.02), loss="sparse_categorical_crossentropy"
    )
    return KerasClassifier(model, epochs=5, tol=None, random_state=0)


FITTED = {
    "default_classifier": lambda: KerasClassifier(**FAST, metrics=["accuracy"]),
    "builder_classifier": lambda: KerasClassifier(
        mlp_with_meta, model__hidden_units=4, **FAST
    ),
    "logits_classifier": lambda: KerasClassifier(logits_classifier, **FAST),
    "instance_classifier": _instance_classifier,
    "multi_output_regressor": lambda: KerasRegressor(
        regressor_builder, width=6, loss="huber", **FAST
    ),
}


@pytest.fixture(scope="module", params=sorted(FITTED))
def fitted(request, iris):
    X, y = iris
    est = FITTED[request.param]()
    if isinstance(est, KerasRegressor):
        y = np.column_stack([X[:, 0], X[:, 1] - X[:, 2]])
    return est.fit(X, y), X, y


@pytest.mark.parametrize("round_trip", sorted(ROUND_TRIPS))
def test_round_trip_predicts_identically(fitted, round_trip):
    est, X, y = fitted
    copy = ROUND_TRIPS[round_trip](est)
    assert copy.model_ is not est.model_
    np.testing.assert_array_equal(copy.predict(X), est.predict(X))
    if hasattr(est, "predict_proba"):
        np.testing.assert_array_equal(copy.predict_proba(X), est.predict_proba(X))
        np.testing.assert_array_equal(copy.classes_, est.classes_)
    assert copy.score(X, y) == est.score(X, y)
    assert copy.history_ == est.history_ and copy.n_iter_ == est.n_iter_
    assert copy.get_params().keys() == est.get_params().keys()
    # The network comes back compiled as it was.
    assert type(copy.model_.optimizer) is type(est.model_.optimizer)
    assert float(copy.model_.optimizer.learning_rate) == pytest.approx(
        float(est.model_.optimizer.learning_rate)
    )


def test_pickling_is_deterministic(fitted):
    """The same fitted estimator pickles to the same bytes, every time."""
    est, _, _ = fitted
    pickled = pickle.dumps(est)
    assert pickle.dumps(est) == pickled
    # Keras pickles a model as an archive stamped with the time it was saved
    # ("date_saved"): neither the network nor a model parameter goes that way.
    assert b"date_saved" not in pickled
    if not isinstance(est.model, keras.Model):
        # (A model instance comes back with its optimizer built by compile.)
        assert joblib.hash(est) == joblib.hash(pickle_round_trip(est))


@pytest.mark.parametrize("round_trip", sorted(ROUND_TRIPS))
def test_warm_start_continues_identically_after_a_round_trip(iris, round_trip):
    """The optimizer's state travels with the network: training the copy
    further is training the original further."""
    X, y = iris
    est = KerasClassifier(**FAST, warm_start=True).fit(X, y)
    est.fit(X, y)
    copy = ROUND_TRIPS[round_trip](est)
    np.testing.assert_array_equal(copy.predict_proba(X), est.predict_proba(X))
    est.fit(X, y)
    copy.fit(X, y)
    assert copy.n_iter_ == est.n_iter_ == 3 * FAST["epochs"]
    np.testing.assert_array_equal(copy.predict_proba(X), est.predict_proba(X))
    assert copy.history_ == est.history_


def test_unfitted_round_trip_keeps_parameters():
    est = KerasRegressor(
        regressor_builder, width=3, optimizer__momentum=0.5, epochs=7, random_state=2
    )
    for round_trip in ROUND_TRIPS.values():
        copy = round_trip(est)
        assert not hasattr(copy, "model_")
        assert copy.get_params() == est.get_params()


def every_setting():
    """A classifier with every parameter away from its default."""
    return KerasClassifier(
        mlp_with_meta,
        hidden_layer_sizes=(5, 3),
        activation="tanh",
        loss="sparse_categorical_crossentropy",
        optimizer="sgd",
        learning_rate=0.03,
        metrics=["accuracy"],
        epochs=9,
        batch_size=17,
        shuffle=False,
        callbacks=[keras.callbacks.EarlyStopping],
        validation_split=0.1,
        early_stopping=True,
        validation_fraction=0.3,
        n_iter_no_change=4,
        tol=0.01,
        warm_start=True,
        random_state=5,
        verbose=1,
        class_weight="balanced",
        # Routed and builder parameters, as in scikeras.
        model__hidden_units=6,
        optimizer__momentum=0.8,
        loss__from_logits=False,
        fit__batch_size=12,
        predict__batch_size=64,
        callbacks__0__patience=2,
        compile__steps_per_execution=2,
        width=11,
    )


def test_clone_keeps_every_setting():
    est = every_setting()
    twin = clone(est)
    assert twin is not est
    assert twin.get_params() == est.get_params()
    assert twin.get_params()["optimizer__momentum"] == 0.8
    assert twin.get_params()["width"] == 11
    # Cloned parameters are independent: changing one leaves the other.
    twin.set_params(optimizer__momentum=0.1, width=1, epochs=2)
    assert est.get_params()["optimizer__momentum"] == 0.8
    assert (est.get_params()["width"], est.epochs) == (11, 9)


def test_clone_of_a_fitted_estimator_is_unfitted_but_equivalent(
    fitted_iris_classifier, iris
):
    X, y = iris
    twin = clone(fitted_iris_classifier)
    assert not hasattr(twin, "model_") and not hasattr(twin, "classes_")
    twin.fit(X, y)
    np.testing.assert_array_equal(
        twin.predict_proba(X), fitted_iris_classifier.predict_proba(X)
    )


def test_clone_keeps_metadata_requests():
    with sklearn.config_context(enable_metadata_routing=True):
        est = KerasRegressor().set_fit_request(sample_weight=True)
        requests = clone(est).get_metadata_routing().fit.requests
    assert requests["sample_weight"] is True


def test_clone_and_pickle_keep_set_params():
    est = KerasClassifier()
    est.set_params(optimizer__momentum=0.3, fit__shuffle=False, learning_rate=0.2)
    for copy in (clone(est), pickle_round_trip(est)):
        params = copy.get_params()
        assert params["optimizer__momentum"] == 0.3
        assert params["fit__shuffle"] is False
        assert params["learning_rate"] == 0.2


def squared_error(y_true, y_pred):
    """A plain function loss, which Keras' config finds only if registered."""
    return keras.ops.mean((y_true - y_pred) ** 2, axis=-1)


def _huber_values(loss, delta):
    """``loss`` on an error of 3, and Huber's value there for ``delta``."""
    y_true, y_pred = np.zeros((1, 1)), np.full((1, 1), 3.0)
    expected = np.mean(keras.losses.huber(y_true, y_pred, delta=delta))
    return float(loss(y_true, y_pred)), pytest.approx(float(expected))


@pytest.mark.parametrize("round_trip", sorted(ROUND_TRIPS))
def test_round_trips_keep_loss_options(small_regression, round_trip):
    """Keras rebuilds a loss from its config, which drops Huber's delta: the
    fitted network, a loss parameter and a model parameter keep theirs."""
    X, y = small_regression
    round_trip = ROUND_TRIPS[round_trip]
    template = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(1)])
    template.compile(optimizer="sgd", loss=keras.losses.Huber(delta=5.0))
    cases = [
        (KerasRegressor(**FAST, loss="huber", loss__delta=2.0), 2.0),
        (KerasRegressor(**FAST, loss=keras.losses.Huber(delta=3.0)), 3.0),
        (KerasRegressor(template, **FAST), 5.0),
    ]
    for est, delta in cases:
        copy = round_trip(est.fit(X, y))
        value, expected = _huber_values(copy.model_.loss, delta)
        assert value == expected
        np.testing.assert_array_equal(copy.predict(X), est.predict(X))
    value, expected = _huber_values(copy.model.loss, 5.0)  # the template's
    assert value == expected
    value, expected = _huber_values(round_trip(cases[1][0]).loss, 3.0)
    assert value == expected

    est = KerasRegressor(**FAST, loss=squared_error).fit(X, y)
    copy = round_trip(est)
    assert copy.model_.loss is squared_error
    np.testing.assert_array_equal(copy.predict(X), est.predict(X))
