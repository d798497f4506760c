"""Lazy access to Keras and TensorFlow, and seeding without global side effects.

Keras and TensorFlow take seconds to import, so nothing in skneuro imports
them at module level: estimators can be constructed, cloned and inspected
without loading them, and ``import skneuro`` stays cheap.
"""

import random
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

# Keras keeps its fallback seed generator under this (thread-local) name.
_KERAS_SEED_GENERATOR_ATTR = "global_seed_generator"


def import_keras():
    """Return the ``keras`` module (imported on first use)."""
    import keras

    return keras


def import_tensorflow():
    """Return the ``tensorflow`` module (imported on first use)."""
    import tensorflow as tf

    return tf


def is_tensorflow_backend() -> bool:
    """Whether Keras runs on TensorFlow (the only backend with fast paths)."""
    return import_keras().backend.backend() == "tensorflow"


def draw_seed(random_state: np.random.RandomState) -> int:
    """Draw a 31-bit seed from a ``RandomState`` (never from global state)."""
    return int(random_state.randint(np.iinfo(np.int32).max))


@contextmanager
def keras_seed_scope(seed: int) -> Iterator[None]:
    """Make Keras' unseeded randomness deterministic, then undo every change.

    Keras draws the default seed of every initializer, dropout layer and
    ``SeedGenerator`` from Python's global :mod:`random` module, and falls back
    to a per-thread global ``SeedGenerator``. Inside this scope both are
    replaced by generators derived from ``seed``; on exit the caller's Python
    random state and Keras' generator are restored exactly, so fitting an
    estimator leaves no trace on the user's global random state. Unlike
    ``keras.utils.set_random_seed`` it never touches NumPy's or TensorFlow's
    global seeds, nor TensorFlow's op-determinism flag.
    """
    from keras.src.backend.common import global_state

    keras = import_keras()
    python_state = random.getstate()
    previous_generator = global_state.get_global_attribute(_KERAS_SEED_GENERATOR_ATTR)
    random.seed(seed)
    global_state.set_global_attribute(
        _KERAS_SEED_GENERATOR_ATTR, keras.random.SeedGenerator(seed)
    )
    try:
        yield
    finally:
        global_state.set_global_attribute(
            _KERAS_SEED_GENERATOR_ATTR, previous_generator
        )
        random.setstate(python_state)
