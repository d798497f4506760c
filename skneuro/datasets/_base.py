"""Where skneuro keeps downloaded data sets."""

import os
from pathlib import Path

DATA_HOME_ENV = "SKNEURO_DATA_HOME"


def get_data_home(data_home: str | os.PathLike | None = None) -> str:
    """Folder that caches skneuro's data sets.

    Resolution order: the ``data_home`` argument, the ``SKNEURO_DATA_HOME``
    environment variable, then ``~/skneuro_data``. A leading ``~`` is
    expanded and the folder is created when missing.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Explicit folder.

    Returns
    -------
    str
        Absolute path of the folder.

    Examples
    --------
    >>> import tempfile
    >>> from skneuro.datasets import get_data_home
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     get_data_home(tmp) == tmp
    True
    """
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_ENV) or "~/skneuro_data"
    path = Path(data_home).expanduser().absolute()
    path.mkdir(parents=True, exist_ok=True)
    return str(path)
