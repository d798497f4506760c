"""Few-shot transfer on scikit-learn's digits: when does fine-tuning help?

Two tasks, both from ``sklearn.datasets.load_digits`` (pixels scaled to
[0, 1]):

new_classes
    source: every image of digits 0-4; target: digits 5-9.
shifted_domain
    the images are split in half (stratified, seed 0); source: the first
    half, clean; target: the second half, corrupted by ``corrupt``: contrast
    reduced and inverted (``x -> 0.7 - 0.4 x``) plus Gaussian pixel noise
    (sd 0.25, NumPy ``default_rng(12345)``), clipped to [0, 1].

The source network (64-128-64-n, ReLU, Adam) is trained once per task. For
each of 5 seeds and k = 5, 10, 25 labelled target images per class, every
method is fitted on those k * n_classes images and scored (accuracy) on all
other target images. Methods: from scratch (same architecture, same
epochs); TransferClassifier with its defaults, head-only and fine-tune-all;
adapt's FineTuning (run directly: its scikit-learn integration fails on
scikit-learn >= 1.6); logistic regression on the pixels; and the source
network itself when the target shares its classes (source-only).

Run ``python benchmarks/bench_transfer.py [--seeds 5] [--explore]``;
``--explore`` adds the alternative schedules the defaults were chosen
from. Writes the table to ``benchmarks/results/transfer.md``.
"""

import argparse
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
SOURCE_EPOCHS = 100
K_SHOTS = (5, 10, 25)
RESULTS = Path(__file__).parent / "results" / "transfer.md"


def corrupt(X):
    """The fixed target-domain corruption of the shifted_domain task."""
    noise = np.random.default_rng(12345).normal(0.0, 0.25, size=X.shape)
    return np.clip(0.7 - 0.4 * X + noise, 0.0, 1.0)


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
    test = np.setdiff1d(np.arange(len(y)), train)
    return train, test


def skneuro_methods(explore: bool):
    """name -> keyword arguments of TransferClassifier (source added later)."""
    methods = {
        "scratch": {"source": None},
        "default": {},
        "head-only": {"fine_tune_epochs": 0},
        "fine-tune-all": {"freeze": False, "fine_tune_epochs": 0},
    }
    if explore:
        for lr in (1e-3, 1e-2):
            for ft in (0, 50, 100):
                methods[f"lr={lr:g} ft={ft}"] = {
                    "learning_rate": lr,
                    "fine_tune_epochs": ft,
                }
        methods["no-tol"] = {"tol": None}
        methods["head=new"] = {"head": "new"}
    return methods


def run_adapt(source, X, y, seed):
    """adapt's FineTuning: a copy of the source body as encoder, a new softmax
    task layer pretrained first (``pretrain=True``), then both trained."""
    import keras
    from adapt.parameter_based import FineTuning

    network = keras.models.clone_model(source.model_)
    network.set_weights(source.model_.get_weights())
    body = keras.Model(network.inputs, network.layers[-2].output)
    labels, codes = np.unique(y, return_inverse=True)
    task = keras.Sequential(
        [
            keras.Input((body.output.shape[-1],)),
            keras.layers.Dense(len(labels), activation="softmax"),
        ]
    )
    model = FineTuning(
        encoder=body,
        task=task,
        training=True,
        pretrain=True,
        loss="categorical_crossentropy",
        optimizer=keras.optimizers.Adam(1e-3),
        random_state=seed,
        verbose=0,
    )
    one_hot = np.eye(len(labels), dtype=np.float32)[codes]
    model.fit(X.astype(np.float32), one_hot, epochs=200, batch_size=len(X), verbose=0)

    def predict(X_test):
        proba = model.predict(X_test.astype(np.float32), verbose=0)
        return labels[np.argmax(proba, axis=1)]

    return predict


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--explore", action="store_true")
    parser.add_argument("--no-adapt", action="store_true")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=UserWarning)

    rows = []
    for task, (X_src, y_src, X_tgt, y_tgt) in load_tasks().items():
        source = KerasClassifier(
            hidden_layer_sizes=HIDDEN,
            epochs=SOURCE_EPOCHS,
            batch_size=64,
            random_state=0,
        ).fit(X_src, y_src)
        print(
            f"{task}: source accuracy on its own data {source.score(X_src, y_src):.3f}"
        )
        shared_classes = set(np.unique(y_tgt)) <= set(source.classes_)
        for k in K_SHOTS:
            for seed in range(args.seeds):
                train, test = few_shot_split(y_tgt, k, seed)
                X_tr, y_tr, X_te, y_te = (
                    X_tgt[train],
                    y_tgt[train],
                    X_tgt[test],
                    y_tgt[test],
                )

                def record(method, predict, seconds):
                    accuracy = float(np.mean(predict(X_te) == y_te))
                    rows.append((task, k, seed, method, accuracy, seconds))

                for method, params in skneuro_methods(args.explore).items():
                    params = {"source": source, **params}
                    start = time.perf_counter()
                    clf = TransferClassifier(
                        hidden_layer_sizes=HIDDEN, random_state=seed, **params
                    ).fit(X_tr, y_tr)
                    record(method, clf.predict, time.perf_counter() - start)
                start = time.perf_counter()
                logreg = LogisticRegression(max_iter=2000).fit(X_tr, y_tr)
                record(
                    "logistic regression", logreg.predict, time.perf_counter() - start
                )
                if shared_classes:
                    record("source-only", source.predict, 0.0)
                if not args.no_adapt:
                    start = time.perf_counter()
                    predict = run_adapt(source, X_tr, y_tr, seed)
                    record("adapt FineTuning", predict, time.perf_counter() - start)
            print(f"  k={k} done")

    table = pd.DataFrame(
        rows, columns=["task", "k", "seed", "method", "accuracy", "fit_s"]
    )
    summary = table.groupby(["task", "method", "k"]).agg(
        accuracy=("accuracy", "mean"), sd=("accuracy", "std"), fit_s=("fit_s", "mean")
    )
    wide = summary["accuracy"].unstack("k").round(3)
    wide["fit s (k=25)"] = summary["fit_s"].unstack("k")[25].round(2)
    print(wide.to_string())
    header = (
        f"Run on {date.today()} on {platform.processor() or platform.machine()}, "
        f"{len(__import__('os').sched_getaffinity(0))} cores; python "
        f"{platform.python_version()}, scikit-learn {sklearn.__version__}, "
        f"keras {__import__('keras').__version__}, tensorflow "
        f"{__import__('tensorflow').__version__}; {args.seeds} seeds. Mean accuracy on "
        "the remaining target images for k labelled images per class.\n\n"
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(header + wide.reset_index().to_markdown(index=False) + "\n")


if __name__ == "__main__":
    main()
