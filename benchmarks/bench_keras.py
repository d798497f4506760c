"""Benchmark skneuro's KerasClassifier against scikeras, plain Keras and sklearn.

Data: scikit-learn's digits (1,797 images, 64 pixels), split 75/25
stratified (seed 0), standardised with a ``StandardScaler`` fitted on the
training part, as float32 for every contender.

Network: 64-100-10, one hidden layer of 100 ReLU units and a softmax
output, Adam with learning rate 1e-3, sparse categorical cross-entropy.
skneuro builds it itself (``KerasClassifier(hidden_layer_sizes=(100,))``);
scikeras and plain Keras get the same ``keras.Sequential``; scikit-learn's
``MLPClassifier`` has the same layers and optimizer (``alpha=0``: Keras adds
no L2 penalty either).

predict
    Latency of one-row ``predict`` (the first test row) and of ``predict``
    on 2,000 rows (the 1,797 images tiled), timed call by call after
    warm-up calls; the table gives the median and the best call. The Keras
    model itself is timed called eagerly, ``model(x, training=False)``, and
    through ``model.predict(x, verbose=0)``.
fit
    20 epochs, batch size 200, no early stopping (skneuro ``tol=None``;
    ``MLPClassifier(max_iter=20, tol=0, n_iter_no_change=21)``, whose
    ConvergenceWarning is silenced), on the training part. Every repeat
    builds a new model and its time includes everything the user waits for
    (building, compiling, graph tracing, the training itself). The first fit
    of each process is reported separately ("first fit": it also pays
    TensorFlow's one-time start-up) and not counted in the best / median of
    the ``--repeats`` fits after it. skneuro is timed two ways: a repeat
    fit of the configuration, which finds a pooled replica of the network
    with its epoch functions already traced (as every fit of a grid search
    after a configuration's first does), and the first fit of a
    configuration, with the pool emptied beforehand (a one-off fit, which
    makes and traces the replica). Plain Keras runs ``model.fit`` on NumPy
    arrays (what scikeras does), on a shuffled, batched ``tf.data`` dataset,
    and on that dataset with ``steps_per_execution`` set to the steps of an
    epoch. Accuracy is on the test part, averaged over the repeats (seeds
    0, 1, ...).
memory
    ``--fits`` small models (hidden (32,) and (64,) alternately, 5 epochs)
    fitted and scored one after another in one process, each a fresh
    ``clone``, as a grid search does; the process RSS (psutil) is read after
    every fit, once Python's cycle collector has run (``gc.collect()``), so
    that it shows the memory that stays, not garbage waiting for the
    collector.

Each library runs in its own subprocess, so imports and memory do not
interfere. scikeras 0.13 runs unmodified (no workaround is needed for plain
``fit``/``predict`` on scikit-learn 1.9); it gets no ``random_state``, which
would switch on TensorFlow's global op determinism, and is seeded with
``keras.utils.set_random_seed`` instead, like plain Keras.

Run ``python benchmarks/bench_keras.py [--quick] [--repeats 5]``. The table
is printed and, for a full run (or with ``--output``), also written as
markdown with the date, the machine and the library versions to
``benchmarks/results/keras.md``. A full run takes about 5 minutes on two
cores, ``--quick`` about 1.5.
"""

import argparse
import datetime
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from _environment import cpu_model

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
RESULTS = REPO_ROOT / "benchmarks" / "results" / "keras.md"

HIDDEN = 100
EPOCHS = 20
BATCH_SIZE = 200
LEARNING_RATE = 1e-3
PREDICT_ROWS = 2000
NEW_CONFIGURATION = "skneuro KerasClassifier, first fit of its configuration"
# An accuracy within this many percentage points counts as "equal".
ACCURACY_TOLERANCE = 2.0

# Growth per fit over the second half below which memory counts as bounded:
# the allocator's noise; a leaked traced graph of the small network costs
# several hundred kB per fit.
MEMORY_GROWTH_KB = 100


# ----------------------------------------------------------------------
# Data and models
# ----------------------------------------------------------------------
def load_data():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    X_all = scaler.transform(X).astype(np.float32)
    return (
        scaler.transform(X_train).astype(np.float32),
        scaler.transform(X_test).astype(np.float32),
        y_train,
        y_test,
        np.resize(X_all, (PREDICT_ROWS, X_all.shape[1])),
    )


def keras_mlp(hidden=HIDDEN, steps_per_execution=1):
    """The 64-hidden-10 network, compiled, for scikeras and plain Keras."""
    import keras

    model = keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE),
        loss="sparse_categorical_crossentropy",
        steps_per_execution=steps_per_execution,
    )
    return model


def skneuro_classifier(seed, hidden=HIDDEN, epochs=EPOCHS):
    from skneuro import KerasClassifier

    return KerasClassifier(
        hidden_layer_sizes=(hidden,),
        learning_rate=LEARNING_RATE,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        tol=None,
        random_state=seed,
    )


def scikeras_classifier(hidden=HIDDEN, epochs=EPOCHS):
    from scikeras.wrappers import KerasClassifier

    return KerasClassifier(
        model=keras_mlp,
        model__hidden=hidden,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        verbose=0,
    )


def mlp_classifier(seed, hidden=HIDDEN, epochs=EPOCHS):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(
        hidden_layer_sizes=(hidden,),
        solver="adam",
        alpha=0.0,
        learning_rate_init=LEARNING_RATE,
        batch_size=BATCH_SIZE,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        random_state=seed,
    )


def seed_keras(seed):
    """Seed plain Keras / scikeras runs (this subprocess only)."""
    import keras

    keras.utils.set_random_seed(seed)


# ----------------------------------------------------------------------
# fit: one function per contender, returning (seconds, test accuracy)
# ----------------------------------------------------------------------
def fit_skneuro(data, seed):
    X_train, X_test, y_train, y_test, _ = data
    start = time.perf_counter()
    model = skneuro_classifier(seed).fit(X_train, y_train)
    seconds = time.perf_counter() - start
    return seconds, model.score(X_test, y_test)


def fit_skneuro_new_configuration(data, seed):
    """A fit finding no replica of its configuration: a one-off fit."""
    from skneuro.keras._replicas import REPLICAS

    REPLICAS.clear()
    return fit_skneuro(data, seed)


def fit_scikeras(data, seed):
    X_train, X_test, y_train, y_test, _ = data
    seed_keras(seed)
    start = time.perf_counter()
    model = scikeras_classifier().fit(X_train, y_train)
    seconds = time.perf_counter() - start
    return seconds, float(np.mean(model.predict(X_test) == y_test))


def _keras_accuracy(model, X_test, y_test):
    proba = model.predict(X_test, batch_size=1024, verbose=0)
    return float(np.mean(np.argmax(proba, axis=1) == y_test))


def _fit_keras(data, seed, mode):
    import tensorflow as tf

    X_train, X_test, y_train, y_test, _ = data
    seed_keras(seed)
    steps = -(-len(X_train) // BATCH_SIZE)
    start = time.perf_counter()
    model = keras_mlp(steps_per_execution=steps if mode == "spe" else 1)
    if mode == "numpy":
        model.fit(X_train, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE, verbose=0)
    else:
        dataset = (
            tf.data.Dataset.from_tensor_slices((X_train, y_train))
            .shuffle(len(X_train), seed=seed)
            .batch(BATCH_SIZE)
        )
        model.fit(dataset, epochs=EPOCHS, verbose=0)
    seconds = time.perf_counter() - start
    return seconds, _keras_accuracy(model, X_test, y_test)


def fit_sklearn(data, seed):
    from sklearn.exceptions import ConvergenceWarning

    X_train, X_test, y_train, y_test, _ = data
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = mlp_classifier(seed).fit(X_train, y_train)
    seconds = time.perf_counter() - start
    return seconds, model.score(X_test, y_test)


FIT_CONTENDERS = {
    # The one-off fit runs first, so each repeat fit finds its replica, as
    # every fit after a configuration's first does in a grid search.
    "skneuro": [
        (NEW_CONFIGURATION, fit_skneuro_new_configuration),
        ("skneuro KerasClassifier", fit_skneuro),
    ],
    "scikeras": [("scikeras KerasClassifier", fit_scikeras)],
    "keras": [
        ("Keras model.fit(X, y) (NumPy)", lambda d, s: _fit_keras(d, s, "numpy")),
        ("Keras model.fit(tf.data)", lambda d, s: _fit_keras(d, s, "tfdata")),
        (
            "Keras model.fit(tf.data), steps_per_execution=epoch",
            lambda d, s: _fit_keras(d, s, "spe"),
        ),
    ],
    "sklearn": [("sklearn MLPClassifier", fit_sklearn)],
}


def time_fits(library, data, repeats):
    """First fit, then ``repeats`` fits of every contender, interleaved."""
    contenders = FIT_CONTENDERS[library]
    results = {name: {"times": [], "accuracy": []} for name, _ in contenders}
    for name, fit in contenders:
        results[name]["first"], _ = fit(data, 1000)
    for seed in range(repeats):
        for name, fit in contenders:
            seconds, accuracy = fit(data, seed)
            results[name]["times"].append(seconds)
            results[name]["accuracy"].append(accuracy)
            gc.collect()
    return results


# ----------------------------------------------------------------------
# predict: fitted models, timed call by call
# ----------------------------------------------------------------------
def time_calls(call, x, n_calls, budget_s, n_warmup=10):
    """Median and best seconds of up to ``n_calls`` calls, within a budget."""
    for _ in range(n_warmup):
        call(x)
    times = []
    deadline = time.perf_counter() + budget_s
    while len(times) < n_calls and (len(times) < 10 or time.perf_counter() < deadline):
        start = time.perf_counter()
        call(x)
        times.append(time.perf_counter() - start)
    return {"median": statistics.median(times), "best": min(times), "n": len(times)}


def predict_callables(library, data):
    """(name, callable) pairs of fitted models for ``library``."""
    X_train, _, y_train, _, _ = data
    if library == "skneuro":
        model = skneuro_classifier(0).fit(X_train, y_train)
        return [("skneuro KerasClassifier.predict", model.predict)]
    if library == "scikeras":
        seed_keras(0)
        model = scikeras_classifier().fit(X_train, y_train)
        return [("scikeras KerasClassifier.predict", model.predict)]
    if library == "keras":
        seed_keras(0)
        model = keras_mlp()
        model.fit(X_train, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE, verbose=0)
        return [
            ("Keras model(x, training=False)", lambda x: model(x, training=False)),
            (
                "Keras model.predict(x, verbose=0)",
                lambda x: model.predict(x, verbose=0),
            ),
        ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = mlp_classifier(0).fit(X_train, y_train)
    return [("sklearn MLPClassifier.predict", model.predict)]


def time_predicts(library, data, quick):
    _, X_test, _, _, X_many = data
    one_row = X_test[:1]
    results = {}
    for name, call in predict_callables(library, data):
        results[name] = {
            "one_row": time_calls(
                call, one_row, 300 if quick else 2000, 2 if quick else 6
            ),
            "many_rows": time_calls(
                call, X_many, 20 if quick else 100, 2 if quick else 6, n_warmup=3
            ),
        }
    return results


# ----------------------------------------------------------------------
# Where skneuro's fit time goes
# ----------------------------------------------------------------------
def profile_skneuro(data, repeats, pooled):
    """Split skneuro fits into phases by wrapping its internal functions.

    Only this benchmark's subprocess is instrumented; skneuro is unchanged.
    Phases: building and compiling the network, making a replica, creating
    the compiled state and tracing the epoch functions, copying the weights
    to and from the replica, the first call of a traced epoch function
    (graph optimisation and kernel creation on top of one epoch), the other
    epochs, and tracing the inference function; the rest is validation and
    encoding. ``pooled``: each fit finds its configuration's replica in the
    pool (after one warm-up fit); otherwise the pool is emptied before each.
    """
    from skneuro.keras import _base, _inference, _training
    from skneuro.keras._replicas import REPLICAS

    phases = {}

    def add(name, seconds):
        phases[name] = phases.get(name, 0.0) + seconds

    def timed(name, function):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                add(name, time.perf_counter() - start)

        return wrapper

    class EpochTimer:
        def __init__(self, function):
            self.function, self.called = function, False

        def __call__(self, *args):
            start = time.perf_counter()
            result = self.function(*args)
            seconds = time.perf_counter() - start
            if self.called:
                add("epochs", seconds)
                add("epoch calls", 1)
            else:
                add("first call of a traced epoch function", seconds)
            self.called = True
            return result

    def trace_passes(cls, *args, **kwargs):
        passes = timed("build state, trace epoch functions", trace.__func__)(
            cls, *args, **kwargs
        )
        passes.train = EpochTimer(passes.train)
        return passes

    trace = _training.TracedPasses.__dict__["trace"]
    original = (
        _base.BaseKerasEstimator._build_model,
        _training.make_replica,
        _training.copy_training_state,
        _inference.CompiledForward._trace,
    )
    _base.BaseKerasEstimator._build_model = timed("build + compile model", original[0])
    _training.make_replica = timed("make replica", original[1])
    _training.copy_training_state = timed("copy weights to/from replica", original[2])
    _training.TracedPasses.trace = classmethod(trace_passes)
    _inference.CompiledForward._trace = timed("trace predict function", original[3])
    X_train, _, y_train, _, _ = data
    runs = []
    try:
        REPLICAS.clear()
        if pooled:
            skneuro_classifier(0).fit(X_train, y_train)
        for seed in range(repeats):
            if not pooled:
                REPLICAS.clear()
            phases.clear()
            start = time.perf_counter()
            skneuro_classifier(seed).fit(X_train, y_train)
            total = time.perf_counter() - start
            run = {
                "build + compile model": 0.0,
                "make replica": 0.0,
                "build state, trace epoch functions": 0.0,
                "copy weights to/from replica": 0.0,
                "first call of a traced epoch function": 0.0,
                **phases,
            }
            run["per epoch"] = run["epochs"] / run.pop("epoch calls")
            timed_total = sum(v for k, v in run.items() if k != "per epoch")
            run["validation, encoding, rest"] = total - timed_total
            run["total"] = total
            runs.append(run)
    finally:
        (
            _base.BaseKerasEstimator._build_model,
            _training.make_replica,
            _training.copy_training_state,
            _inference.CompiledForward._trace,
        ) = original
        _training.TracedPasses.trace = trace
        REPLICAS.clear()
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


# ----------------------------------------------------------------------
# Memory over many fits
# ----------------------------------------------------------------------
def memory_over_fits(library, data, n_fits):
    import psutil
    from sklearn.base import clone

    X_train, X_test, y_train, y_test, _ = data
    if library == "skneuro":
        configs = [skneuro_classifier(0, hidden=h, epochs=5) for h in (32, 64)]
    else:
        configs = [scikeras_classifier(hidden=h, epochs=5) for h in (32, 64)]
    process = psutil.Process()
    # one fit of each configuration first: the baseline includes the
    # one-time loading of TensorFlow's kernels
    for config in configs:
        clone(config).fit(X_train, y_train).score(X_test, y_test)
    rss = [process.memory_info().rss]
    for i in range(n_fits):
        model = clone(configs[i % 2]).fit(X_train, y_train)
        model.score(X_test, y_test)
        del model
        # What stays: a network and its optimizer form reference cycles, which
        # Python's cycle collector frees at its own pace, so readings taken
        # without it rise and fall with the collector's schedule.
        gc.collect()
        rss.append(process.memory_info().rss)
    return [r / 1e6 for r in rss]


# ----------------------------------------------------------------------
# Subprocesses
# ----------------------------------------------------------------------
def worker(task, library, quick, repeats, n_fits):
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    data = load_data()
    if task == "main":
        result = {"fit": time_fits(library, data, repeats)}
        result["predict"] = time_predicts(library, data, quick)
        if library == "skneuro":
            result["profile"] = {
                name: profile_skneuro(data, max(3, repeats), pooled)
                for name, pooled in (("pooled", True), ("new", False))
            }
    else:
        result = {"rss_mb": memory_over_fits(library, data, n_fits)}
    print(json.dumps(result))


def run_worker(task, library, args):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            json.dumps([task, library, args.quick, args.repeats, args.fits]),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    if out.returncode != 0:
        sys.exit(f"{library} {task} worker failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------
def environment():
    from importlib.metadata import version

    libraries = ("numpy", "scikit-learn", "keras", "tensorflow", "scikeras")
    versions = ", ".join(f"{name} {version(name)}" for name in libraries)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{datetime.date.today().isoformat()}; {cpu_model()}, {os.cpu_count()} "
        f"cores (load average {load:.1f} at start); Python "
        f"{platform.python_version()}, {versions}"
    )


def ms(seconds):
    return f"{seconds * 1e3:.2f}" if seconds < 0.1 else f"{seconds * 1e3:.0f}"


def table(columns, rows, align):
    return [
        "| " + " | ".join(columns) + " |",
        "| " + " | ".join("---:" if a == "r" else "---" for a in align) + " |",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def verdict(ok):
    return "met" if ok else "MISSED"


def report(results, memory, args, env):
    """Markdown lines: the tables and the goals."""
    predict = {k: v for r in results.values() for k, v in r["predict"].items()}
    fit = {k: v for r in results.values() for k, v in r["fit"].items()}
    ours = predict["skneuro KerasClassifier.predict"]
    scikeras = predict["scikeras KerasClassifier.predict"]
    direct = predict["Keras model(x, training=False)"]

    predict_rows = [
        (
            name,
            ms(r["one_row"]["median"]),
            ms(r["one_row"]["best"]),
            ms(r["many_rows"]["median"]),
            ms(r["many_rows"]["best"]),
            f"{r['one_row']['median'] / ours['one_row']['median']:.1f}x",
            f"{r['many_rows']['median'] / ours['many_rows']['median']:.1f}x",
        )
        for name, r in predict.items()
    ]
    lines = [
        "### predict",
        "",
        "Milliseconds per call (median and best of the timed calls); the last "
        "two columns are each contender's median over skneuro's.",
        "",
        *table(
            (
                "contender",
                "1 row median",
                "1 row best",
                f"{PREDICT_ROWS:,} rows median",
                f"{PREDICT_ROWS:,} rows best",
                "1 row / skneuro",
                f"{PREDICT_ROWS:,} rows / skneuro",
            ),
            predict_rows,
            "lrrrrrr",
        ),
        "",
    ]

    skneuro_median = statistics.median(fit["skneuro KerasClassifier"]["times"])
    fit_rows = []
    for name, r in fit.items():
        median = statistics.median(r["times"])
        fit_rows.append(
            (
                name,
                f"{r['first']:.2f}",
                f"{min(r['times']):.2f}",
                f"{median:.2f}",
                f"{100 * np.mean(r['accuracy']):.1f}",
                f"{median / skneuro_median:.2f}x",
            )
        )
    lines += [
        "### fit",
        "",
        f"Seconds for {EPOCHS} epochs, batch size {BATCH_SIZE}, on "
        f"{len(load_data()[0])} training rows ({args.repeats} repeats after the "
        "first fit); test accuracy in percent, mean over the repeats; the last "
        "column is each contender's median over skneuro's.",
        "",
        *table(
            (
                "contender",
                "first fit s",
                "best s",
                "median s",
                "test accuracy %",
                "median / skneuro",
            ),
            fit_rows,
            "lrrrrr",
        ),
        "",
    ]

    profiles = results["skneuro"]["profile"]
    phases = [name for name in profiles["new"] if name != "per epoch"]
    lines += [
        "### Where skneuro's fit time goes",
        "",
        "Median milliseconds over instrumented fits (the same fit as above, "
        "with skneuro's internal functions wrapped by timers in the benchmark "
        "process): a repeat fit, which finds its configuration's replica with "
        "traced epoch functions in the pool, and the first fit of a "
        "configuration, which makes and traces the replica.",
        "",
        *table(
            ("phase", "repeat fit ms", "first fit of configuration ms"),
            [
                (name, ms(profiles["pooled"][name]), ms(profiles["new"][name]))
                for name in phases
            ],
            "lrr",
        ),
        "",
        f"Per epoch: {ms(profiles['pooled']['per epoch'])} ms (repeat fit), "
        f"{ms(profiles['new']['per epoch'])} ms (first fit, after its first "
        "epoch); MLPClassifier: "
        f"{ms(statistics.median(fit['sklearn MLPClassifier']['times']) / EPOCHS)} "
        "ms per epoch (everything included).",
        "",
    ]

    checkpoints = [i for i in range(args.fits // 6, args.fits + 1, args.fits // 6)]
    memory_rows = []
    growth = {}
    for library, rss in memory.items():
        half = args.fits // 2
        growth[library] = (rss[args.fits] - rss[half]) / (args.fits - half)
        first_half = (rss[half] - rss[0]) / half
        memory_rows.append(
            (
                library,
                f"{rss[0]:.0f}",
                *(f"{rss[i]:.0f}" for i in checkpoints),
                f"{1e3 * first_half:.0f}",
                f"{1e3 * growth[library]:.0f}",
            )
        )
    lines += [
        "### memory over many fits",
        "",
        f"RSS in MB after each number of fits ({args.fits} fits of hidden (32,) "
        "and (64,) alternately, 5 epochs, each scored on the test part); growth "
        "in kB per fit over the first and the second half.",
        "",
        *table(
            (
                "library",
                "start",
                *(f"after {i}" for i in checkpoints),
                "kB/fit 1st half",
                "kB/fit 2nd half",
            ),
            memory_rows,
            "l" + "r" * (len(checkpoints) + 3),
        ),
        "",
    ]

    def median(name):
        return statistics.median(fit[name]["times"])

    one_vs_scikeras = scikeras["one_row"]["median"] / ours["one_row"]["median"]
    one_vs_direct = ours["one_row"]["median"] / direct["one_row"]["median"]
    many_vs_scikeras = scikeras["many_rows"]["median"] / ours["many_rows"]["median"]
    fit_vs_scikeras = median("scikeras KerasClassifier") / median(
        "skneuro KerasClassifier"
    )
    fit_vs_mlp = median("skneuro KerasClassifier") / median("sklearn MLPClassifier")
    new_vs_mlp = median(NEW_CONFIGURATION) / median("sklearn MLPClassifier")
    new_vs_scikeras = median("scikeras KerasClassifier") / median(NEW_CONFIGURATION)
    accuracy = {name: 100 * np.mean(r["accuracy"]) for name, r in fit.items()}
    gaps = {
        other: accuracy["skneuro KerasClassifier"] - accuracy[other]
        for other in ("scikeras KerasClassifier", "sklearn MLPClassifier")
    }
    goals = [
        f"one-row predict {one_vs_scikeras:.0f}x faster than scikeras (goal >= 30x): "
        f"{verdict(one_vs_scikeras >= 30)}",
        f"one-row predict {one_vs_direct:.2f}x the time of the direct "
        f"`model(x, training=False)` call (goal <= 2x): {verdict(one_vs_direct <= 2)}",
        f"{PREDICT_ROWS:,}-row predict {many_vs_scikeras:.0f}x faster than scikeras "
        f"(goal >= 10x): {verdict(many_vs_scikeras >= 10)}",
        f"fit {fit_vs_scikeras:.2f}x faster than scikeras (goal >= 2.5x): "
        f"{verdict(fit_vs_scikeras >= 2.5)}; the first fit of a configuration "
        f"{new_vs_scikeras:.2f}x: {verdict(new_vs_scikeras >= 2.5)}",
        f"fit {fit_vs_mlp:.2f}x MLPClassifier's time (goal <= 3x): "
        f"{verdict(fit_vs_mlp <= 3)}; the first fit of a configuration "
        f"{new_vs_mlp:.2f}x: {verdict(new_vs_mlp <= 3)}",
        "equal accuracy (within "
        f"{ACCURACY_TOLERANCE:g} points): skneuro "
        f"{accuracy['skneuro KerasClassifier']:.1f}%, "
        + ", ".join(f"{gap:+.1f} vs {name.split()[0]}" for name, gap in gaps.items())
        + f": {verdict(all(g >= -ACCURACY_TOLERANCE for g in gaps.values()))}",
    ]
    if "skneuro" in growth:
        per_fit_kb = 1e3 * growth["skneuro"]
        bounded = per_fit_kb < MEMORY_GROWTH_KB
        goals.append(
            f"memory: skneuro grows {per_fit_kb:.0f} kB per fit over fits "
            f"{args.fits // 2 + 1}..{args.fits} (goal: no unbounded growth, read "
            f"as < {MEMORY_GROWTH_KB} kB per fit): {verdict(bounded)}"
        )
    return lines, goals


def write_markdown(path, env, args, lines, goals):
    text = [
        f"Measured {env}.",
        "",
        "Produced by `python benchmarks/bench_keras.py"
        + (" --quick" if args.quick else "")
        + f" --repeats {args.repeats} --fits {args.fits}`, each library in its "
        "own process. Digits, 75/25 stratified split (seed 0), standardised, "
        "float32; the 64-100-10 MLP (ReLU, softmax, Adam lr 1e-3) for every "
        "contender; scikeras 0.13 unmodified. The machine is shared, so times "
        "are noisy: compare ratios within this table.",
        "",
        *lines,
        "### Goals (issue 2, point 8)",
        "",
        *(f"- {goal}" for goal in goals),
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(text))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls and fits")
    parser.add_argument("--repeats", type=int, help="timed fits (default 5, quick 2)")
    parser.add_argument("--fits", type=int, help="memory fits (default 120, quick 30)")
    parser.add_argument(
        "--output",
        type=Path,
        help=f"markdown file (default: {RESULTS.relative_to(REPO_ROOT)} "
        "for a full run, none for --quick)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*json.loads(args.worker))
        return
    args.repeats = args.repeats or (2 if args.quick else 5)
    args.fits = max(6, args.fits or (30 if args.quick else 120)) // 6 * 6
    output = args.output or (None if args.quick else RESULTS)

    env = environment()
    print(f"{env}\n", flush=True)
    results = {}
    for library in ("skneuro", "scikeras", "keras", "sklearn"):
        start = time.perf_counter()
        results[library] = run_worker("main", library, args)
        print(f"{library}: {time.perf_counter() - start:.0f} s", flush=True)
    memory = {}
    for library in ("skneuro", "scikeras"):
        start = time.perf_counter()
        memory[library] = run_worker("memory", library, args)["rss_mb"]
        print(f"{library} memory: {time.perf_counter() - start:.0f} s", flush=True)
    lines, goals = report(results, memory, args, env)
    print("\n" + "\n".join(lines))
    for goal in goals:
        print(goal)
    if output is not None:
        write_markdown(output, env, args, lines, goals)
        print(f"\nwritten to {output}")


if __name__ == "__main__":
    main()
