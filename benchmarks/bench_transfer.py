"""Few-shot transfer on scikit-learn's digits: when does fine-tuning help?

Two tasks, both from ``sklearn.datasets.load_digits`` (pixels scaled to
[0, 1], so 64 features):

new_classes
    source: every image of digits 0-4 (901 images); target: digits 5-9.
shifted_domain
    the images are split in two stratified halves (``train_test_split``,
    ``random_state=0``). Source: the first half, clean, all ten digits.
    Target: the second half, corrupted by :func:`corrupt`: contrast halved
    around mid-grey (``x -> 0.25 + 0.5 x``) plus independent Gaussian pixel
    noise (sd 0.25, drawn from ``numpy.random.default_rng(12345)``), clipped
    to [0, 1]. Same classes, so the source's head can be kept.

The source network (64-128-64-n, ReLU, softmax, Adam at 1e-3, batch 64, 100
epochs, seed 0) is fitted once per task. For each of 5 seeds and k = 5, 10,
25 labelled target images per class, every method is fitted on those
k * n_classes images and scored (accuracy) on all the other target images;
the fit time is wall-clock time of ``fit``. Methods:

- from scratch: ``KerasClassifier`` with the same hidden layers and its
  defaults (the network the transfer estimators build with ``source=None``);
- head only: ``TransferClassifier(freeze=True, fine_tune_epochs=0)``;
- fine-tune all: ``TransferClassifier(freeze=False, fine_tune_epochs=0)``;
  both with Keras' default learning rate (Adam, 1e-3) and 200 epochs, the
  hand-written recipe;
- default: ``TransferClassifier(source)`` with its defaults;
- adapt FineTuning: adapt 0.4.5's ``FineTuning`` on a copy of the source's
  body with a new softmax task layer, ``pretrain=True`` (task layer first
  trained alone, then both), Adam at 1e-3, 200 epochs per phase, adapt's
  default batch size (32). Run directly: adapt's scikit-learn integration
  (``clone``, grid search) fails with scikit-learn >= 1.6;
- logistic regression on the pixels (``LogisticRegression(max_iter=2000)``);
- source only: the source network applied to the target as it is (only
  when the target's classes are the source's).

``--explore`` adds the schedules the defaults were chosen from
(``learning_rate``, ``epochs``, ``freeze``, ``fine_tune_epochs``,
``fine_tune_learning_rate``, ``unfreeze``, ``head``, ``tol``) and a second
table with all of them.

Run ``python benchmarks/bench_transfer.py [--seeds 5] [--explore]``: writes
``benchmarks/results/transfer.md`` (and with ``--runs FILE`` every single
run as CSV).
"""

import argparse
import os
import platform
import time
import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from skneuro import KerasClassifier, TransferClassifier

HIDDEN = (128, 64)
K_SHOTS = (5, 10, 25)
RESULTS = Path(__file__).parent / "results" / "transfer.md"
# The hand-written recipe's settings: Keras' default Adam learning rate.
HAND_WRITTEN = {"learning_rate": 1e-3, "epochs": 200}


def corrupt(X):
    """The fixed target-domain corruption of the shifted_domain task."""
    noise = np.random.default_rng(12345).normal(0.0, 0.25, size=X.shape)
    return np.clip(0.25 + 0.5 * X + noise, 0.0, 1.0)


def load_tasks():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_a, X_b, y_a, y_b = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=0
    )
    return {
        "new_classes": (X[y < 5], y[y < 5], X[y >= 5], y[y >= 5]),
        "shifted_domain": (X_a, y_a, corrupt(X_b), y_b),
    }


def few_shot_split(y, k, seed):
    """Indices of k samples per class (train) and of all the others (test)."""
    rng = np.random.default_rng(seed)
    train = np.concatenate(
        [
            rng.choice(np.flatnonzero(y == label), k, replace=False)
            for label in np.unique(y)
        ]
    )
    return train, np.setdiff1d(np.arange(len(y)), train)


# name -> TransferClassifier keyword arguments (the source is added later)
METHODS = {
    "head only": {"freeze": True, "fine_tune_epochs": 0, **HAND_WRITTEN},
    "fine-tune all": {"freeze": False, "fine_tune_epochs": 0, **HAND_WRITTEN},
    "default": {},
}


def explored_schedules() -> dict:
    """The schedules compared to choose the defaults."""
    schedules = {}
    for lr in (1e-3, 2e-3, 3e-3, 5e-3, 1e-2):
        for epochs in (100, 200, 400):
            schedules[f"all {epochs}@{lr:g}"] = {
                "freeze": False,
                "fine_tune_epochs": 0,
                "learning_rate": lr,
                "epochs": epochs,
            }
    for name in ("all 200@0.001", "all 100@0.003"):
        schedules[f"{name} tol=None"] = {**schedules[name], "tol": None}
        schedules[f"{name} head=new"] = {**schedules[name], "head": "new"}
    for head_epochs in (10, 50, 200):
        for lr in (1e-3, 3e-3):
            for fine_tune_lr in (1e-4, 1e-3, 3e-3):
                schedules[f"head {head_epochs}@{lr:g}, ft 200@{fine_tune_lr:g}"] = {
                    "freeze": True,
                    "learning_rate": lr,
                    "epochs": head_epochs,
                    "fine_tune_epochs": 200,
                    "fine_tune_learning_rate": fine_tune_lr,
                }
    schedules["head 10@0.001, ft 100@0.003"] = {
        **schedules["head 10@0.001, ft 200@0.003"],
        "fine_tune_epochs": 100,
    }
    base = schedules["head 50@0.001, ft 200@0.001"]
    schedules["head 50@0.001, ft 200@0.001 unfreeze=1"] = {**base, "unfreeze": 1}
    schedules["head 50@0.001, ft 200@0.001 head=new"] = {**base, "head": "new"}
    schedules["head 50@0.001, ft 200@0.001 tol=None"] = {**base, "tol": None}
    schedules["head 200@0.001, ft 50@0.0001 (old default)"] = {
        "freeze": True,
        "learning_rate": 1e-3,
        "epochs": 200,
        "fine_tune_epochs": 50,
        "fine_tune_learning_rate": 1e-4,
    }
    for lr in (3e-3, 1e-2):
        schedules[f"scratch 200@{lr:g}"] = {
            "source": None,
            "learning_rate": lr,
            "epochs": 200,
        }
    return schedules


class AdaptFineTuning:
    """adapt's FineTuning on a copy of the source body, new task layer."""

    def __init__(self, source, seed):
        self.source, self.seed = source, seed

    def fit(self, X, y):
        import keras
        from adapt.parameter_based import FineTuning

        network = keras.models.clone_model(self.source.model_)
        network.set_weights(self.source.model_.get_weights())
        body = keras.Model(network.inputs, network.layers[-2].output)
        self.labels_, codes = np.unique(y, return_inverse=True)
        task = keras.Sequential(
            [
                keras.Input((body.output.shape[-1],)),
                keras.layers.Dense(len(self.labels_), activation="softmax"),
            ]
        )
        self.model_ = FineTuning(
            encoder=body,
            task=task,
            training=True,
            pretrain=True,
            loss="categorical_crossentropy",
            optimizer=keras.optimizers.Adam(1e-3),
            random_state=self.seed,
            verbose=0,
        )
        one_hot = np.eye(len(self.labels_), dtype=np.float32)[codes]
        self.model_.fit(X.astype(np.float32), one_hot, epochs=200, verbose=0)
        return self

    def predict(self, X):
        proba = self.model_.predict(X.astype(np.float32), verbose=0)
        return self.labels_[np.argmax(proba, axis=1)]


class SourceOnly:
    """The source network applied to the target as it is (no training)."""

    def __init__(self, source):
        self.source = source

    def fit(self, X, y):
        return self

    def predict(self, X):
        return self.source.predict(X)


def contenders(source, seed, methods, *, shared_classes, adapt):
    """``(name, explored, estimator)`` for every method of one run."""
    yield (
        "from scratch",
        False,
        KerasClassifier(hidden_layer_sizes=HIDDEN, random_state=seed),
    )
    for name, params in methods.items():
        estimator = TransferClassifier(
            **{"source": source, "hidden_layer_sizes": HIDDEN, **params},
            random_state=seed,
        )
        yield name, name not in METHODS, estimator
    yield "logistic regression", False, LogisticRegression(max_iter=2000)
    if shared_classes:
        yield "source only", False, SourceOnly(source)
    if adapt:
        yield "adapt FineTuning", False, AdaptFineTuning(source, seed)


def run(seeds: int, explore: bool, adapt: bool) -> pd.DataFrame:
    methods = {**METHODS, **(explored_schedules() if explore else {})}
    rows = []
    for task, (X_src, y_src, X_tgt, y_tgt) in load_tasks().items():
        source = KerasClassifier(
            hidden_layer_sizes=HIDDEN, epochs=100, batch_size=64, random_state=0
        ).fit(X_src, y_src)
        print(
            f"{task}: source accuracy on its training data "
            f"{source.score(X_src, y_src):.3f}",
            flush=True,
        )
        shared_classes = set(np.unique(y_tgt)) <= set(source.classes_)
        for k in K_SHOTS:
            for seed in range(seeds):
                train, test = few_shot_split(y_tgt, k, seed)
                for name, explored, estimator in contenders(
                    source, seed, methods, shared_classes=shared_classes, adapt=adapt
                ):
                    start = time.perf_counter()
                    estimator.fit(X_tgt[train], y_tgt[train])
                    seconds = time.perf_counter() - start
                    accuracy = np.mean(estimator.predict(X_tgt[test]) == y_tgt[test])
                    rows.append(
                        (task, k, seed, name, explored, float(accuracy), seconds)
                    )
            print(f"  k={k} done", flush=True)
    return pd.DataFrame(
        rows, columns=["task", "k", "seed", "method", "explored", "accuracy", "fit_s"]
    )


def _cell(group) -> str:
    return f"{group.mean():.3f} ± {group.std():.3f}"


def summary_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Main methods, plus the best transfer schedule of each task and k."""
    main = runs[~runs.explored]
    table = main.groupby(["task", "method", "k"]).accuracy.apply(_cell).unstack("k")
    table.columns = [f"k={k}" for k in table.columns]
    table["fit s"] = main.groupby(["task", "method"]).fit_s.mean().round(2)
    # every TransferClassifier schedule with a source, explored or not
    explored = runs[
        (runs.explored | runs.method.isin(list(METHODS)))
        & ~runs.method.str.startswith("scratch")
    ]
    if runs.explored.any():
        means = explored.groupby(["task", "k", "method"]).accuracy.mean()
        for task in explored.task.unique():
            best = {}
            for k in K_SHOTS:
                name = means.loc[task, k].idxmax()
                group = explored[
                    (explored.task == task)
                    & (explored.k == k)
                    & (explored.method == name)
                ]
                best[f"k={k}"] = f"{_cell(group.accuracy)} ({name})"
            best["fit s"] = np.nan
            table.loc[(task, "best schedule"), :] = best
    order = [
        "default",
        "from scratch",
        "head only",
        "fine-tune all",
        "adapt FineTuning",
        "logistic regression",
        "source only",
        "best schedule",
    ]
    table = table.reset_index()
    table["rank"] = table.method.map({name: i for i, name in enumerate(order)})
    return table.sort_values(["task", "rank"]).drop(columns="rank")


def exploration_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean accuracy of every schedule (explored or not) per task and k."""
    means = runs.groupby(["method", "task", "k"]).accuracy.mean().unstack(["task", "k"])
    means.columns = [f"{task} k={k}" for task, k in means.columns]
    means["fit s"] = runs.groupby("method").fit_s.mean()
    return means.round(3).sort_values(list(means.columns[:1]), ascending=False)


def environment(seeds: int) -> str:
    import keras
    import tensorflow as tf

    return (
        f"Run on {date.today()}, {platform.machine()}, "
        f"{len(os.sched_getaffinity(0))} cores (shared); Python "
        f"{platform.python_version()}, scikit-learn {sklearn.__version__}, keras "
        f"{keras.__version__}, tensorflow {tf.__version__}; {seeds} seeds."
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--explore", action="store_true")
    parser.add_argument("--no-adapt", action="store_true")
    parser.add_argument("--runs", type=Path, help="also write every run as CSV")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)

    start = time.perf_counter()
    runs = run(args.seeds, args.explore, not args.no_adapt)
    minutes = (time.perf_counter() - start) / 60
    if args.runs:
        runs.to_csv(args.runs, index=False)
    summary = summary_table(runs)
    print(summary.to_string(index=False))
    text = [
        "# Few-shot transfer on digits",
        "",
        f"{environment(args.seeds)} Whole run: {minutes:.0f} minutes.",
        "",
        "Produced by `python benchmarks/bench_transfer.py"
        f"{' --explore' if args.explore else ''}`. Accuracy (mean ± sd over "
        "the seeds) on all the target images not used for training, for k "
        "labelled images per class; fit s is the mean wall-clock time of one "
        "`fit`.",
        "",
        summary.to_markdown(index=False),
        "",
    ]
    if args.explore:
        text += [
            "## Schedules explored",
            "",
            "Mean accuracy of every schedule. `all E@lr`: every layer trained "
            "from the start (`freeze=False`), E epochs at learning rate lr; "
            "`head E@lr, ft F@lr2`: E epochs of the head alone, then F epochs "
            "of everything at lr2; `scratch`: `source=None`. Otherwise the "
            "estimator's defaults.",
            "",
            exploration_table(runs).reset_index().to_markdown(index=False),
            "",
        ]
    args.output.parent.mkdir(exist_ok=True)
    args.output.write_text("\n".join(text))


if __name__ == "__main__":
    main()
