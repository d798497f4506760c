"""Fixtures and helpers shared by the whole test suite."""

import io
import os
import pickle
from pathlib import Path

import joblib
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# The project's read-only data folder sits beside the repository, both for
# developers and in CI; MovieLens files are read from there, never copied.
_SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


def _data_home() -> Path | None:
    configured = os.environ.get("SKNEURO_DATA_HOME")
    if configured:
        return Path(configured)
    if (_SHARED_DATA / "ml-100k" / "u.data").exists():
        return _SHARED_DATA
    return None


@pytest.fixture(scope="session")
def data_home() -> Path:
    """Folder holding ``ml-100k/``; tests needing it skip when it is absent."""
    home = _data_home()
    if home is None or not (home / "ml-100k" / "u.data").exists():
        pytest.skip("MovieLens 100K not available (set SKNEURO_DATA_HOME)")
    return home


def pickle_round_trip(est):
    return pickle.loads(pickle.dumps(est))


def joblib_round_trip(est):
    buffer = io.BytesIO()
    joblib.dump(est, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


ROUND_TRIPS = {"pickle": pickle_round_trip, "joblib": joblib_round_trip}
