"""Routed parameters (``<destination>__<name>``), as in scikeras."""

import keras
import numpy as np
import pytest
from sklearn.base import clone

from skneuro import KerasClassifier, KerasRegressor


def test_routed_and_builder_params_are_parameters():
    est = KerasClassifier(
        optimizer="sgd",
        optimizer__momentum=0.9,
        fit__batch_size=8,
        model__width=3,
        width=4,  # a builder argument given as an extra keyword
    )
    params = est.get_params()
    assert params["optimizer__momentum"] == 0.9
    assert params["fit__batch_size"] == 8
    assert params["model__width"] == 3
    assert params["width"] == 4
    # set_params accepts new routed names and known builder keywords...
    est.set_params(loss__delta=2.0, optimizer__momentum=0.5, width=5, epochs=3)
    params = est.get_params()
    assert (params["loss__delta"], params["optimizer__momentum"]) == (2.0, 0.5)
    assert (params["width"], params["epochs"]) == (5, 3)
    # ... but still rejects names that are neither.
    with pytest.raises(ValueError, match="Invalid parameter"):
        est.set_params(not_a_parameter=1)
    assert clone(est).get_params() == est.get_params()


def test_builder_argument_resolution(iris):
    """``model__<arg>`` wins over an estimator parameter of the same name."""
    X, y = iris
    seen = {}

    def build(meta, hidden_layer_sizes, width, params):
        seen.update(hidden=hidden_layer_sizes, width=width, params=params)
        return keras.Sequential(
            [
                keras.Input(shape=(meta["n_features_in_"],)),
                keras.layers.Dense(width, activation="relu"),
                keras.layers.Dense(meta["n_classes_"], activation="softmax"),
            ]
        )

    est = KerasClassifier(
        build, hidden_layer_sizes=(7,), width=3, model__width=5, epochs=1
    )
    est.fit(X, y)
    assert seen["hidden"] == (7,)  # from the estimator's own parameter
    assert seen["width"] == 5  # model__width beats width
    assert seen["params"]["width"] == 3  # params: every estimator parameter
    assert est.model_.layers[0].units == 5


def test_builder_missing_argument_is_a_clear_error(iris, training_spy):
    X, y = iris

    def build(meta, depth):
        raise AssertionError("never called")

    est = KerasClassifier(build, callbacks=[training_spy], epochs=1)
    with pytest.raises(TypeError, match=r"build.*depth.*model__<name>"):
        est.fit(X, y)
    assert training_spy.train_begin == 0


def test_compile_and_metric_routing(iris):
    X, y = iris
    est = KerasClassifier(
        hidden_layer_sizes=(4,),
        metrics=[keras.metrics.SparseTopKCategoricalAccuracy],
        metrics__0__k=2,
        metrics__0__name="top2",
        compile__steps_per_execution=2,
        epochs=2,
        tol=None,
        random_state=0,
    ).fit(X, y)
    assert len(est.history_["top2"]) == 2
    assert est.model_.steps_per_execution == 2
    # Top-2 accuracy among 3 classes is at least plain accuracy.
    assert est.history_["top2"][-1] >= 0.5


def test_shared_callback_options_reach_every_callback_class(iris):
    X, y = iris
    est = KerasClassifier(
        hidden_layer_sizes=(4,),
        callbacks=[keras.callbacks.EarlyStopping, keras.callbacks.EarlyStopping],
        callbacks__monitor="loss",
        callbacks__min_delta=100.0,
        callbacks__1__patience=3,  # overrides the shared default patience=0
        epochs=20,
        tol=None,
        random_state=0,
    ).fit(X, y)
    # The first callback (patience=0) stops after the first epoch that does
    # not improve the loss by 100, i.e. the second.
    assert est.n_iter_ == 2


def test_unknown_fit_option_falls_back_to_model_fit(small_regression):
    """``fit__*`` options the graph loop does not implement go to Model.fit."""
    X, y = small_regression
    est = KerasRegressor(
        hidden_layer_sizes=(8,),
        validation_split=0.25,
        fit__validation_freq=2,  # a Model.fit option
        epochs=4,
        tol=None,
        random_state=0,
    ).fit(X, y)
    assert est.n_iter_ == 4
    assert len(est.history_["loss"]) == 4
    assert len(est.history_["val_loss"]) == 2  # validated every other epoch
    assert est.predict(X).shape == (120,)
    # Reproducible on this path too.
    again = clone(est).fit(X, y)
    np.testing.assert_array_equal(est.predict(X), again.predict(X))


def test_unknown_fit_and_compile_options_fail_before_building(
    small_regression, training_spy
):
    """Options that neither the training loop nor Model.fit / Model.compile
    take fail before the network is built, naming what is accepted."""
    X, y = small_regression
    built = []

    def build(meta):
        built.append(meta)
        return keras.Sequential(
            [keras.Input(shape=(meta["n_features_in_"],)), keras.layers.Dense(1)]
        )

    cases = [
        ({"fit__not_an_option": 1}, {}, r"\['not_an_option'\].*hands \['steps_per"),
        ({}, {"validation_data": (X, y)}, "validation_data: hold out rows"),
        ({"compile__jit": True}, {}, r"Model.compile takes \[.*'jit_compile'"),
    ]
    for params, fit_params, match in cases:
        est = KerasRegressor(build, callbacks=[training_spy], epochs=1, **params)
        with pytest.raises(ValueError, match=match):
            est.fit(X, y, **fit_params)
    assert built == [] and training_spy.train_begin == 0


@pytest.mark.parametrize(
    "model, params, match",
    [
        (
            None,
            {"hiden_layer_sizes": (2,)},
            "'hiden_layer_sizes' \\(did you mean 'hidden_layer_sizes'\\?\\)",
        ),
        (None, {"epoch": 3}, "'epoch' \\(did you mean 'epochs'\\?\\)"),
        (None, {"optimizer_momentum": 0.9}, "did you mean 'optimizer__momentum'"),
        (None, {"run_eagerly": True}, "did you mean 'compile__run_eagerly'"),
        (None, {"model__units": 8}, "'model__units'. .*this estimator has none"),
        ("builder", {"width": 8, "widht": 8}, "'widht' \\(did you mean 'width'\\?\\)"),
        ("builder", {"model__depth": 2}, r"build\(\) takes no such argument"),
        ("instance", {"width": 8}, "'width'. .*this estimator has none"),
    ],
    ids=[
        "typo",
        "plural",
        "single_underscore",
        "scikeras_name",
        "model_routed",
        "builder_typo",
        "builder_routed",
        "instance",
    ],
)
def test_parameters_nothing_reads_are_refused(
    small_regression, training_spy, model, params, match
):
    """Extra keywords are builder arguments (scikeras' convention): when no
    builder takes them, they are typos, refused before any work."""
    X, y = small_regression

    def build(meta, width):
        raise AssertionError("never called")

    instance = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(1)])
    model = {"builder": build, "instance": instance}.get(model)
    est = KerasRegressor(model, callbacks=[training_spy], epochs=1, **params)
    # Parameters like any other until fit.
    assert {name: clone(est).get_params()[name] for name in params} == params
    est.set_params(**params)
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)
    assert training_spy.train_begin == 0 and not hasattr(est, "model_")


def test_builder_taking_kwargs_accepts_any_keyword(iris):
    X, y = iris
    seen = {}

    def build(meta, **kwargs):
        seen.update(kwargs)
        return keras.Sequential(
            [
                keras.Input(shape=(meta["n_features_in_"],)),
                keras.layers.Dense(meta["n_classes_"], activation="softmax"),
            ]
        )

    KerasClassifier(build, anything=1, model__other=2, epochs=1).fit(X, y)
    assert (seen["anything"], seen["other"]) == (1, 2)
