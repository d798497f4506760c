"""MovieLens 100K (GroupLens Research), fetched and cached on demand.

skneuro ships none of the MovieLens files: their licence forbids
redistribution. :func:`fetch_movielens` downloads the archive from GroupLens
once, verifies it and reads the copy in ``data_home`` from then on.
"""

import hashlib
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections import namedtuple
from pathlib import Path

import pandas as pd
from sklearn.utils import Bunch
from sklearn.utils._param_validation import validate_params

from ._base import _data_home_path, _make_folder, _remove_folders

RemoteArchive = namedtuple("RemoteArchive", ["url", "folder", "checked_file", "md5"])

# Files every load reads; the README and the u1..u5 split files are optional.
_REQUIRED_FILES = ("u.data", "u.item", "u.user")

# The checksum is of the extracted ratings file, the file every loader reads.
ARCHIVES = {
    "100k": RemoteArchive(
        url="https://files.grouplens.org/datasets/movielens/ml-100k.zip",
        folder="ml-100k",
        checked_file="u.data",
        md5="6e47046882bad158b0efbb84cd5cb987",
    ),
}

GENRES = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy",
    "Crime", "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror",
    "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
)  # fmt: skip

_N_FOLDS = 5
_CHUNK = 1 << 16


@validate_params(
    {
        "variant": [str],
        "data_home": [str, os.PathLike, None],
        "download_if_missing": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def fetch_movielens(
    variant: str = "100k",
    *,
    data_home: str | os.PathLike | None = None,
    download_if_missing: bool = True,
) -> Bunch:
    """Load MovieLens 100K: 100,000 ratings (1-5) of 1,682 movies by 943 users.

    The first call downloads the archive (about 5 MB, progress on stderr),
    checks the MD5 of its ratings file and extracts it to
    ``data_home/ml-100k``; later calls, and calls without network, read that
    copy. An existing copy is used as it is; a copy that lacks one of the
    files read (``u.data``, ``u.item``, ``u.user``) is an error, not a
    reason to download over it. Nothing is created on disk unless a download
    is attempted, and a failed download leaves no folder behind.

    Parameters
    ----------
    variant : {"100k"}, default="100k"
        Which MovieLens release.
    data_home : str or path-like, default=None
        Cache folder, see :func:`get_data_home` (``SKNEURO_DATA_HOME``,
        else ``~/skneuro_data``).
    download_if_missing : bool, default=True
        Download when there is no local copy; if False, raise OSError then.
        Must be a bool.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        - ``ratings``: DataFrame with ``user_id``, ``item_id``, ``rating``
          and ``timestamp`` (Unix seconds), in file order.
        - ``movies``: DataFrame indexed by ``item_id`` with ``title``,
          ``release_date``, ``imdb_url`` and ``genres`` ("|"-separated).
        - ``users``: DataFrame indexed by ``user_id`` with ``age``,
          ``gender``, ``occupation`` and ``zip_code``.
        - ``genre_names``: the 19 genres.
        - ``folds``: the five official ``(base, test)`` rating splits
          u1..u5, read from ``u1.base``... when present, else rebuilt from
          ``u.data`` exactly as GroupLens' ``mku.sh`` does (test fold ``i``
          is lines ``20000 (i-1) + 1 .. 20000 i``, sorted by user then item).
        - ``DESCR``: the data set's README.

    Raises
    ------
    OSError
        When there is no local copy and downloading is disabled or fails,
        the download does not match its checksum, or the local copy misses
        a file (the message names it).
    ValueError
        When a file of the local copy cannot be parsed.

    Examples
    --------
    >>> from skneuro.datasets import fetch_movielens
    >>> data = fetch_movielens()  # doctest: +SKIP
    >>> data.ratings.shape  # doctest: +SKIP
    (100000, 4)
    """
    if variant not in ARCHIVES:
        raise ValueError(f"variant must be one of {sorted(ARCHIVES)}, got {variant!r}.")
    archive = ARCHIVES[variant]
    data_home = _data_home_path(data_home)
    folder = data_home / archive.folder
    if not (folder / archive.checked_file).exists():
        if not download_if_missing:
            hint = ""
            if (data_home / archive.checked_file).exists():
                hint = (
                    f" data_home looks like the '{archive.folder}' folder "
                    "itself: pass its parent."
                )
            raise OSError(
                f"MovieLens {variant} not found in {folder} and "
                "download_if_missing=False. Put the extracted 'ml-100k' folder "
                f"in {data_home} (or point SKNEURO_DATA_HOME at its parent)." + hint
            )
        created = _make_folder(data_home)
        try:
            _download(archive, data_home)
        except BaseException:
            _remove_folders(created)
            raise
    _check_complete(folder, archive)
    ratings = _read(_read_ratings, folder / "u.data")
    return Bunch(
        ratings=ratings,
        movies=_read(_read_movies, folder / "u.item"),
        users=_read(_read_users, folder / "u.user"),
        genre_names=list(GENRES),
        folds=_folds(folder, ratings),
        DESCR=_read_text(folder / "README"),
    )


def _check_complete(folder, archive):
    """Name the files a local copy lacks, rather than fail on the first."""
    missing = [name for name in _REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise OSError(
            f"The MovieLens copy in {folder} is incomplete: "
            f"{', '.join(missing)} missing. Copy the missing file(s) from the "
            f"archive {archive.url} into {folder}, or delete {folder} to "
            "download a fresh copy."
        )


def _read(reader, path):
    """``reader(path)``, with the file named when it cannot be parsed."""
    try:
        return reader(path)
    except (ValueError, pd.errors.ParserError) as exc:
        raise ValueError(
            f"Could not read {path} ({exc}). The local MovieLens copy looks "
            f"damaged: delete {path.parent} to download a fresh copy."
        ) from exc


def _download(archive, data_home):
    """Download, verify and extract ``archive`` into ``data_home``."""
    with tempfile.TemporaryDirectory(dir=data_home, prefix=".download-") as tmp:
        zip_path = Path(tmp) / "archive.zip"
        try:
            _fetch_url(archive.url, zip_path)
        except (urllib.error.URLError, OSError) as exc:
            raise OSError(
                f"Could not download {archive.url} ({exc}). Without network, "
                f"put the extracted '{archive.folder}' folder in {data_home} "
                "(or point SKNEURO_DATA_HOME at its parent)."
            ) from exc
        try:
            with zipfile.ZipFile(zip_path) as zipped:
                zipped.extractall(tmp)
        except zipfile.BadZipFile as exc:
            raise OSError(f"{archive.url} is not a valid zip archive.") from exc
        extracted = Path(tmp) / archive.folder
        checked = extracted / archive.checked_file
        if not checked.exists():
            raise OSError(
                f"{archive.url} holds no {archive.folder}/{archive.checked_file}."
            )
        digest = _md5(checked)
        if digest != archive.md5:
            raise OSError(
                f"Checksum mismatch for {archive.url}: {archive.checked_file} has "
                f"MD5 {digest}, expected {archive.md5}. The file was not kept; "
                "retry, or fetch the archive by hand."
            )
        target = data_home / archive.folder
        if target.exists():
            # an incomplete earlier copy (its ratings file is missing)
            shutil.rmtree(target)
        os.replace(extracted, target)


def _fetch_url(url, destination):
    """Stream ``url`` to ``destination`` with a progress line on stderr."""
    with (
        urllib.request.urlopen(url, timeout=60) as response,
        open(destination, "wb") as out,
    ):
        total = int(response.headers.get("Content-Length") or 0)
        done = 0
        while chunk := response.read(_CHUNK):
            out.write(chunk)
            done += len(chunk)
            share = f" {100 * done / total:5.1f}%" if total else ""
            print(
                f"\rDownloading {url}:{share} {done / 1e6:.1f} MB",
                end="",
                file=sys.stderr,
                flush=True,
            )
        print(file=sys.stderr)
    if total and done != total:
        raise OSError(f"incomplete download: {done} of {total} bytes")


def _md5(path):
    digest = hashlib.md5()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _read_ratings(path):
    return pd.read_csv(
        path,
        sep="\t",
        names=["user_id", "item_id", "rating", "timestamp"],
        dtype="int64",
    )


def _read_movies(path):
    columns = ["item_id", "title", "release_date", "video_release_date", "imdb_url"]
    movies = pd.read_csv(
        path,
        sep="|",
        names=[*columns, *GENRES],
        encoding="latin-1",
        index_col="item_id",
    )
    flags = movies[list(GENRES)].astype(bool).to_numpy()
    movies["genres"] = ["|".join(g for g, f in zip(GENRES, row) if f) for row in flags]
    movies["release_date"] = pd.to_datetime(movies["release_date"], format="%d-%b-%Y")
    return movies[["title", "release_date", "imdb_url", "genres"]]


def _read_users(path):
    return pd.read_csv(
        path,
        sep="|",
        names=["user_id", "age", "gender", "occupation", "zip_code"],
        index_col="user_id",
        dtype={"zip_code": str},
    )


def _folds(folder, ratings):
    """The official u1..u5 (base, test) splits."""
    if all(
        (folder / f"u{i}.{part}").exists()
        for i in range(1, 6)
        for part in ("base", "test")
    ):
        return [
            (
                _read(_read_ratings, folder / f"u{i}.base"),
                _read(_read_ratings, folder / f"u{i}.test"),
            )
            for i in range(1, _N_FOLDS + 1)
        ]
    size = len(ratings) // _N_FOLDS
    folds = []
    for i in range(_N_FOLDS):
        in_test = (ratings.index >= i * size) & (ratings.index < (i + 1) * size)
        folds.append(
            tuple(
                ratings[mask]
                .sort_values(["user_id", "item_id"], kind="stable")
                .reset_index(drop=True)
                for mask in (~in_test, in_test)
            )
        )
    return folds


def _read_text(path):
    return path.read_text(encoding="latin-1") if path.exists() else ""
