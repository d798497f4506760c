"""skneuro: Keras networks, transfer learning and item-based recommendation
as ordinary scikit-learn estimators.

Public names are imported lazily, so ``import skneuro`` is cheap and never
loads TensorFlow or Keras; they are loaded the first time a network is built.
"""

import importlib

__version__ = "0.1.0.dev0"

# public name -> submodule that defines it
_LAZY_NAMES = {
    "KerasClassifier": "skneuro.keras",
    "KerasRegressor": "skneuro.keras",
    "TransferClassifier": "skneuro.transfer",
    "TransferRegressor": "skneuro.transfer",
    "ItemKNNRecommender": "skneuro.recommend",
    "fetch_movielens": "skneuro.datasets",
}
_SUBPACKAGES = ("datasets", "keras", "recommend", "transfer")

__all__ = [*_LAZY_NAMES, *_SUBPACKAGES, "__version__"]


def __getattr__(name: str):
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(_LAZY_NAMES[name]), name)
    elif name in _SUBPACKAGES:
        value = importlib.import_module(f"skneuro.{name}")
    else:
        raise AttributeError(f"module 'skneuro' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
