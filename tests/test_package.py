"""The top-level package: lazy public names, no TensorFlow until a network is built."""

import subprocess
import sys
import textwrap

import pytest

import skneuro

HEAVY_MODULES = ("tensorflow", "keras")


def run_python(code: str) -> str:
    """Run ``code`` in a fresh interpreter (so nothing is imported yet)."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": ""},
    )
    return result.stdout.strip()


def test_import_loads_no_heavy_module():
    loaded = run_python(
        f"""
        import sys
        import skneuro
        print(sorted(m for m in {HEAVY_MODULES!r} + ("sklearn", "numba")
                     if m in sys.modules))
        """
    )
    # Nothing but the package itself: public names load on first access.
    assert loaded == "[]"


def test_estimators_are_built_and_cloned_without_tensorflow():
    loaded = run_python(
        f"""
        import sys
        from sklearn.base import clone
        from skneuro import KerasClassifier, KerasRegressor, TransferClassifier
        for est in (KerasClassifier(epochs=3), KerasRegressor(), TransferClassifier()):
            clone(est).get_params()
            repr(est)
        print(sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules))
        """
    )
    assert loaded == "[]"


def test_recommender_never_imports_tensorflow():
    loaded = run_python(
        f"""
        import sys
        import numpy as np
        from skneuro import ItemKNNRecommender, fetch_movielens
        from skneuro.recommend import ndcg_at_k
        X = (np.random.default_rng(0).random((30, 12)) < 0.3).astype(float)
        model = ItemKNNRecommender(k=3).fit(X)
        model.recommend(X, n=2)
        model.score(X)
        print(sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules))
        """
    )
    assert loaded == "[]"


@pytest.mark.parametrize("name", skneuro.__all__)
def test_every_public_name_resolves(name):
    assert getattr(skneuro, name) is not None
    assert name in dir(skneuro)


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'KerasClasifier'"):
        skneuro.KerasClasifier  # noqa: B018


def test_public_estimators_come_from_their_subpackages():
    from skneuro.keras import KerasClassifier
    from skneuro.recommend import ItemKNNRecommender
    from skneuro.transfer import TransferRegressor

    assert skneuro.KerasClassifier is KerasClassifier
    assert skneuro.TransferRegressor is TransferRegressor
    assert skneuro.ItemKNNRecommender is ItemKNNRecommender
