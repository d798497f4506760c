"""Where skneuro keeps downloaded data sets."""

import os
from pathlib import Path

from sklearn.utils._param_validation import validate_params

DATA_HOME_ENV = "SKNEURO_DATA_HOME"


@validate_params(
    {"data_home": [str, os.PathLike, None]}, prefer_skip_nested_validation=True
)
def get_data_home(data_home: str | os.PathLike | None = None) -> str:
    """Folder that caches skneuro's data sets.

    Resolution order: the ``data_home`` argument, the ``SKNEURO_DATA_HOME``
    environment variable (ignored when empty), then ``~/skneuro_data``. A
    leading ``~`` is expanded and the folder is created when missing; when
    that fails, the parent folders it had created are removed again.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Explicit folder. An empty string is refused (it would silently
        mean the current directory); pass ``"."`` for that.

    Returns
    -------
    str
        Absolute path of the folder.

    Raises
    ------
    ValueError
        If ``data_home`` is an empty string.
    NotADirectoryError
        If the path exists and is not a folder.

    Examples
    --------
    >>> import tempfile
    >>> from skneuro.datasets import get_data_home
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     get_data_home(tmp) == tmp
    True
    """
    path = _data_home_path(data_home)
    _make_folder(path)
    return str(path)


def _data_home_path(data_home):
    """Absolute path of the data folder, resolved but not created."""
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_ENV) or "~/skneuro_data"
    elif os.fspath(data_home) == "":
        raise ValueError(
            "data_home is an empty path; pass None for the default folder "
            "(SKNEURO_DATA_HOME, else ~/skneuro_data) or '.' for the current "
            "directory."
        )
    return Path(data_home).expanduser().absolute()


def _make_folder(path):
    """Create ``path`` and its missing parents; return those it created.

    On failure, the parents created so far are removed before the error
    propagates, so a failed call leaves the disk as it found it.
    """
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"data_home {path} exists and is not a folder.")
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        _remove_folders(missing)
        raise
    return missing


def _remove_folders(folders):
    """Remove the given folders, deepest first, if they are (still) empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            pass
