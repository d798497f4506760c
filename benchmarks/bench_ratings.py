"""Rating prediction of ItemKNNRecommender.predict on MovieLens 100K.

The five official splits u1..u5 (``u{i}.base`` / ``u{i}.test``, rebuilt from
``u.data`` exactly as GroupLens' ``mku.sh`` does when the files are missing;
see ``skneuro.datasets.fetch_movielens``). For every configuration the model
is fitted on the base ratings of a split, ``predict`` estimates every rating
of the same users, and RMSE / MAE are measured on the test ratings; the table
gives mean ± standard deviation over the five splits. "clipped" clips the
estimates to the rating scale [1, 5] first (``predict`` itself does not
clip). The item-mean baseline is ``predict`` without any neighbour.

Run ``python benchmarks/bench_ratings.py`` (about a minute); it prints the
table and writes it as markdown to ``benchmarks/results/ratings.md``
(``--output`` to change). MovieLens is read from ``SKNEURO_DATA_HOME`` or the
skneuro cache and downloaded when missing.
"""

import argparse
import datetime
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from _environment import cpu_model

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

RESULTS = REPO_ROOT / "benchmarks" / "results" / "ratings.md"

CONFIGS = [
    ("item means (baseline)", None),
    ("cosine k=40", {"k": 40}),
    ("cosine k=100 (default)", {"k": 100}),
    ("cosine k=400", {"k": 400}),
    ("pearson k=100", {"k": 100, "similarity": "pearson"}),
    ("pearson k=400", {"k": 400, "similarity": "pearson"}),
    (
        "pearson k=400 shrinkage=100",
        {"k": 400, "similarity": "pearson", "shrinkage": 100.0},
    ),
    ("adjusted cosine k=400", {"k": 400, "similarity": "adjusted_cosine"}),
    (
        "adjusted cosine k=400 shrinkage=100",
        {"k": 400, "similarity": "adjusted_cosine", "shrinkage": 100.0},
    ),
]


def errors_on_split(encoder, base, test, params):
    from skneuro.recommend import ItemKNNRecommender

    X_base = encoder.transform(base)
    model = ItemKNNRecommender(**(params or {"k": 1})).fit(X_base)
    users = encoder.users_.searchsorted(test.user_id.to_numpy())
    items = encoder.items_.searchsorted(test.item_id.to_numpy())
    truth = test.rating.to_numpy(dtype=np.float64)
    if params is None:
        estimates = model.item_means_[items]
    else:
        estimates = model.predict(X_base)[users, items]
    result = {}
    for name, values in (("raw", estimates), ("clipped", np.clip(estimates, 1, 5))):
        error = values - truth
        result[f"rmse_{name}"] = float(np.sqrt(np.mean(error**2)))
        result[f"mae_{name}"] = float(np.mean(np.abs(error)))
    return result


def environment():
    import numba
    import scipy

    return (
        f"{datetime.date.today().isoformat()}; {cpu_model()}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, numba {numba.__version__}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    from skneuro.datasets import fetch_movielens, get_data_home
    from skneuro.recommend import InteractionEncoder

    try:
        data = fetch_movielens()
    except OSError as exc:
        sys.exit(f"MovieLens 100K unavailable: {exc}")
    encoder = InteractionEncoder("user_id", "item_id", "rating").fit(data.ratings)
    columns = ("model", "RMSE", "MAE", "RMSE clipped", "MAE clipped", "fit+predict s")
    rows = []
    print(" | ".join(columns))
    for name, params in CONFIGS:
        start = time.perf_counter()
        per_split = [
            errors_on_split(encoder, base, test, params) for base, test in data.folds
        ]
        seconds = (time.perf_counter() - start) / len(per_split)

        def cell(key, per_split=per_split):
            values = np.array([r[key] for r in per_split])
            return f"{values.mean():.4f} ± {values.std(ddof=1):.4f}"

        rows.append(
            (
                name,
                cell("rmse_raw"),
                cell("mae_raw"),
                cell("rmse_clipped"),
                cell("mae_clipped"),
                f"{seconds:.2f}",
            )
        )
        print(" | ".join(rows[-1]), flush=True)

    folder = Path(get_data_home()) / "ml-100k"
    split_source = (
        "the distributed u1..u5 files"
        if all((folder / f"u{i}.base").exists() for i in range(1, 6))
        else "u1..u5 rebuilt from u.data as mku.sh does"
    )
    lines = [
        "# Rating prediction on MovieLens 100K",
        "",
        f"Measured {environment()}.",
        "",
        "Produced by `python benchmarks/bench_ratings.py`. "
        "`ItemKNNRecommender.predict` (item-based, mean-centred neighbourhood "
        "average as in KNNWithMeans) fitted on each official base split and "
        f"scored on its test split ({split_source}); mean ± standard deviation "
        "over the five splits. *Clipped* clips estimates to [1, 5]; "
        "`predict` itself does not clip. Time is per split.",
        "",
        "| " + " | ".join(columns) + " |",
        "| --- | " + " | ".join(["---:"] * (len(columns) - 1)) + " |",
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
    ]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines))
    print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main()
