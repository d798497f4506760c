"""Data set fetchers (downloaded on demand, cached in ``data_home``)."""

from ._base import get_data_home
from ._movielens import fetch_movielens

__all__ = ["fetch_movielens", "get_data_home"]
