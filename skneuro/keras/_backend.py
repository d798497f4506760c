"""Lazy access to Keras and TensorFlow, and seeding without global side effects.

Keras and TensorFlow take seconds to import, so nothing in skneuro imports
them at module level: estimators can be constructed, cloned and inspected
without loading them, and ``import skneuro`` stays cheap.
"""

import itertools
import random
import threading
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


# Fits between two emptyings of TensorFlow's kernel cache (see below).
_FITS_PER_KERNEL_CACHE_RELEASE = 16
_fits_since_release = itertools.count(1)


def release_kernel_cache() -> None:
    """Every few fits, empty TensorFlow's eager kernel cache.

    Every variable a new network creates adds kernels to that process-wide
    cache (their resource names differ), which is never trimmed: about half
    a megabyte per fit, without bound over a grid search's many fits. The
    cache only saves re-instantiating kernels, so emptying it changes no
    result; it costs the next eager ops their set-up (about 20 ms for a
    small network), hence only every few fits, which bounds the growth.
    """
    if next(_fits_since_release) % _FITS_PER_KERNEL_CACHE_RELEASE:
        return
    if not is_tensorflow_backend():
        return
    from tensorflow.python.eager import context

    clear = getattr(context.context(), "clear_kernel_cache", None)
    if clear is not None:  # absent from some TensorFlow version: keep the cache
        clear()


def draw_seed(random_state: np.random.RandomState) -> int:
    """Draw a 31-bit seed from a ``RandomState`` (never from global state)."""
    return int(random_state.randint(np.iinfo(np.int32).max))


class _ThreadLocalRandom:
    """Stands in for the :mod:`random` module where Keras draws default seeds.

    Keras draws the seed of every unseeded initializer, dropout layer and
    ``SeedGenerator`` from Python's global :mod:`random` module. Seeding that
    module would change the user's random state and race with every other
    thread using it (a Dask worker's, say). Instead, inside
    :func:`keras_seed_scope` the drawing thread gets its own
    ``random.Random``; every other thread, and this one outside the scope,
    reaches the real module, so Keras behaves exactly as before for them.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    @property
    def generator(self) -> random.Random | None:
        return getattr(self._local, "generator", None)

    @generator.setter
    def generator(self, value: random.Random | None) -> None:
        self._local.generator = value

    def __getattr__(self, name: str):
        generator = self.generator
        return getattr(random if generator is None else generator, name)


_KERAS_RANDOM = _ThreadLocalRandom()
_install_lock = threading.Lock()


def _install_thread_local_random() -> None:
    """Route Keras' default-seed draws through :data:`_KERAS_RANDOM` (once)."""
    from keras.src.random import seed_generator

    with _install_lock:
        if seed_generator.python_random is not _KERAS_RANDOM:
            seed_generator.python_random = _KERAS_RANDOM


@contextmanager
def keras_seed_scope(seed: int) -> Iterator[None]:
    """Make Keras' unseeded randomness deterministic, in this thread only.

    Inside the scope, default seeds (initializers, dropout, ``SeedGenerator``)
    come from a ``random.Random(seed)`` private to the calling thread, and the
    thread's fallback ``SeedGenerator`` (which Keras keeps per thread) is one
    seeded from ``seed``; both are restored on exit. Neither Python's, NumPy's
    nor TensorFlow's global random state is read or changed, and TensorFlow's
    op-determinism flag is left alone (unlike ``keras.utils.set_random_seed``).
    """
    from keras.src.backend.common import global_state

    keras = import_keras()
    _install_thread_local_random()
    previous_random = _KERAS_RANDOM.generator
    previous_generator = global_state.get_global_attribute(_KERAS_SEED_GENERATOR_ATTR)
    _KERAS_RANDOM.generator = random.Random(seed)
    global_state.set_global_attribute(
        _KERAS_SEED_GENERATOR_ATTR, keras.random.SeedGenerator(seed)
    )
    try:
        yield
    finally:
        global_state.set_global_attribute(
            _KERAS_SEED_GENERATOR_ATTR, previous_generator
        )
        _KERAS_RANDOM.generator = previous_random
