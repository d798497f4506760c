"""fetch_movielens: the local copy, the official splits, the download path.

Downloads are served from this machine (a local HTTP server or a patched
``urlopen``); nothing here touches the network, and the archives served are
built in ``tmp_path`` (a small synthetic one, or the shared MovieLens copy
zipped on the fly), never stored in the repository.
"""

import hashlib
import http.server
import io
import os
import threading
import urllib.error
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skneuro.datasets import _movielens, fetch_movielens, get_data_home

# -------------------------------------------------------------- helpers


def write_fake_movielens(folder, *, n_users=7, n_items=5, split_files=False):
    """A tiny ml-100k look-alike: every file the loader reads."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    pairs = [(u, i) for u in range(1, n_users + 1) for i in range(1, n_items + 1)]
    pairs = [pairs[p] for p in rng.permutation(len(pairs))[:25]]
    lines = [
        f"{u}\t{i}\t{rng.integers(1, 6)}\t{880000000 + n}"
        for n, (u, i) in enumerate(pairs)
    ]
    (folder / "u.data").write_text("\n".join(lines) + "\n")
    flags = ["0"] * 19
    items = []
    for i in range(1, n_items + 1):
        genre = flags.copy()
        genre[1 + i % 18] = "1"
        items.append(
            f"{i}|Movie {i} (199{i})|01-Jan-199{i}||http://example.org/{i}|"
            + "|".join(genre)
        )
    (folder / "u.item").write_text("\n".join(items) + "\n", encoding="latin-1")
    users = [
        f"{u}|{20 + u}|{'MF'[u % 2]}|writer|0{u}123" for u in range(1, n_users + 1)
    ]
    (folder / "u.user").write_text("\n".join(users) + "\n")
    (folder / "README").write_text("Fake MovieLens for tests\n")
    if split_files:
        # deliberately not the mku.sh split, so reading the files is visible
        for f in range(1, 6):
            test = [line for n, line in enumerate(lines) if n % 5 == f - 1]
            base = [line for n, line in enumerate(lines) if n % 5 != f - 1]
            (folder / f"u{f}.test").write_text("\n".join(test) + "\n")
            (folder / f"u{f}.base").write_text("\n".join(base) + "\n")
    return folder


def zip_folder(folder, zip_path, *, arcname="ml-100k"):
    with zipfile.ZipFile(zip_path, "w") as zipped:
        for path in sorted(folder.iterdir()):
            zipped.write(path, f"{arcname}/{path.name}")
    return zip_path


def md5(path):
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def http_server(tmp_path):
    """Serve ``tmp_path / 'www'`` on a free localhost port; yield its URL."""
    root = tmp_path / "www"
    root.mkdir()

    def handler(*args, **kwargs):
        return _QuietHandler(*args, directory=str(root), **kwargs)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def fake_remote(tmp_path, http_server, monkeypatch):
    """A synthetic archive on the local server, registered as '100k'."""
    root, url = http_server
    source = write_fake_movielens(tmp_path / "source" / "ml-100k")
    zip_folder(source, root / "ml-100k.zip")
    archive = _movielens.RemoteArchive(
        url=f"{url}/ml-100k.zip",
        folder="ml-100k",
        checked_file="u.data",
        md5=md5(source / "u.data"),
    )
    monkeypatch.setitem(_movielens.ARCHIVES, "100k", archive)
    return archive, source, root


# ------------------------------------------------------- the real data


def test_reads_the_local_copy(data_home):
    data = fetch_movielens(data_home=data_home, download_if_missing=False)
    ratings = data.ratings
    assert ratings.shape == (100_000, 4)
    assert list(ratings.columns) == ["user_id", "item_id", "rating", "timestamp"]
    assert ratings.user_id.nunique() == 943 and ratings.item_id.nunique() == 1682
    assert ratings.rating.between(1, 5).all()
    assert ratings.iloc[0].tolist() == [196, 242, 3, 881250949]  # file order
    assert data.movies.shape[0] == 1682
    assert data.movies.loc[1, "title"] == "Toy Story (1995)"
    assert data.movies.loc[1, "genres"] == "Animation|Children's|Comedy"
    assert data.movies.loc[50, "title"] == "Star Wars (1977)"
    assert data.movies.loc[1, "release_date"] == pd.Timestamp("1995-01-01")
    assert data.users.shape == (943, 4)
    assert data.users.loc[1].tolist() == [24, "M", "technician", "85711"]
    assert len(data.genre_names) == 19 and data.genre_names[0] == "unknown"
    assert "MovieLens" in data.DESCR


def test_official_splits_are_rebuilt_like_mku_sh(data_home):
    data = fetch_movielens(data_home=data_home, download_if_missing=False)
    assert len(data.folds) == 5
    key = ["user_id", "item_id"]
    all_tests = []
    for f, (base, test) in enumerate(data.folds):
        assert len(base) == 80_000 and len(test) == 20_000
        for part in (base, test):
            assert part.set_index(key).index.is_monotonic_increasing
        # test fold f is lines 20000 f + 1 .. 20000 (f + 1) of u.data
        expected = data.ratings.iloc[20_000 * f : 20_000 * (f + 1)]
        pd.testing.assert_frame_equal(
            test, expected.sort_values(key).reset_index(drop=True)
        )
        both = pd.concat([base, test]).sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(
            both, data.ratings.sort_values(key).reset_index(drop=True)
        )
        all_tests.append(test)
    # the five test folds partition the ratings
    assert pd.concat(all_tests).drop_duplicates(key).shape[0] == 100_000
    # first lines of the files GroupLens distributes
    base1, test1 = data.folds[0]
    assert test1.iloc[0].tolist() == [1, 6, 5, 887431973]
    assert base1.iloc[0].tolist() == [1, 1, 5, 874965758]
    assert test1.iloc[-1].tolist() == [462, 682, 5, 886365231]


def test_environment_variable_points_at_the_copy(data_home, monkeypatch):
    monkeypatch.setenv("SKNEURO_DATA_HOME", str(data_home))
    assert get_data_home() == str(Path(data_home).absolute())
    data = fetch_movielens(download_if_missing=False)
    assert data.ratings.shape == (100_000, 4)


def test_download_of_the_real_archive_through_a_patched_opener(
    data_home, tmp_path, monkeypatch, capsys
):
    """The registered URL and checksum, fed the shared copy zipped in tmp."""
    archive = _movielens.ARCHIVES["100k"]
    payload = zip_folder(data_home / "ml-100k", tmp_path / "real.zip").read_bytes()
    requested = []

    class Response(io.BytesIO):
        headers = {"Content-Length": str(len(payload))}

    def fake_urlopen(url, timeout=None):
        requested.append(url)
        return Response(payload)

    monkeypatch.setattr(_movielens.urllib.request, "urlopen", fake_urlopen)
    home = tmp_path / "home"
    data = fetch_movielens(data_home=home)
    assert requested == [archive.url]
    assert archive.url.startswith("https://")
    assert md5(home / "ml-100k" / "u.data") == archive.md5
    assert data.ratings.shape == (100_000, 4)
    assert "100.0%" in capsys.readouterr().err
    assert [p.name for p in home.iterdir()] == ["ml-100k"]  # no leftovers


# ------------------------------------------- download path, synthetic data


def test_download_from_a_local_server_then_offline_reuse(
    fake_remote, tmp_path, monkeypatch, capsys
):
    archive, source, root = fake_remote
    home = tmp_path / "home"
    data = fetch_movielens(data_home=home)
    err = capsys.readouterr().err
    assert f"Downloading {archive.url}" in err and "100.0%" in err
    assert (home / "ml-100k" / "u.data").read_bytes() == (
        source / "u.data"
    ).read_bytes()
    assert data.ratings.shape == (25, 4)
    assert data.movies.loc[2, "title"] == "Movie 2 (1992)"
    assert data.users.loc[3, "zip_code"] == "03123"  # kept as text
    # five folds rebuilt from u.data (no split files in the archive)
    assert sum(len(test) for _, test in data.folds) == 25
    # offline from now on: the server's file is gone, the cache is used
    (root / "ml-100k.zip").unlink()

    def no_network(*args, **kwargs):
        raise AssertionError("the cached copy must be used")

    monkeypatch.setattr(_movielens.urllib.request, "urlopen", no_network)
    again = fetch_movielens(data_home=home)
    pd.testing.assert_frame_equal(again.ratings, data.ratings)
    assert capsys.readouterr().err == ""


def test_split_files_are_read_when_present(tmp_path):
    write_fake_movielens(tmp_path / "home" / "ml-100k", split_files=True)
    data = fetch_movielens(data_home=tmp_path / "home", download_if_missing=False)
    ratings = data.ratings
    for f, (base, test) in enumerate(data.folds):
        expected = ratings[ratings.index % 5 == f].reset_index(drop=True)
        pd.testing.assert_frame_equal(test, expected)
        assert len(base) == len(ratings) - len(test)


def test_checksum_mismatch_keeps_nothing(fake_remote, tmp_path, monkeypatch):
    archive, source, root = fake_remote
    monkeypatch.setitem(_movielens.ARCHIVES, "100k", archive._replace(md5="0" * 32))
    home = tmp_path / "home"
    with pytest.raises(OSError, match="Checksum mismatch"):
        fetch_movielens(data_home=home)
    assert not home.exists()  # not even the folder the call created
    home.mkdir()
    with pytest.raises(OSError, match="Checksum mismatch"):
        fetch_movielens(data_home=home)
    assert list(home.iterdir()) == []


def test_not_a_zip_and_missing_file(fake_remote, tmp_path):
    archive, source, root = fake_remote
    (root / "ml-100k.zip").write_bytes(b"<html>not found</html>")
    with pytest.raises(OSError, match="not a valid zip"):
        fetch_movielens(data_home=tmp_path / "a")
    zip_folder(source, root / "ml-100k.zip", arcname="other")
    with pytest.raises(OSError, match="holds no ml-100k/u.data"):
        fetch_movielens(data_home=tmp_path / "b")


def test_incomplete_download_is_an_error(tmp_path, monkeypatch):
    class Short(io.BytesIO):
        headers = {"Content-Length": "1000"}

    monkeypatch.setattr(
        _movielens.urllib.request, "urlopen", lambda url, timeout=None: Short(b"x")
    )
    with pytest.raises(OSError, match="incomplete download"):
        fetch_movielens(data_home=tmp_path)


def test_offline_without_a_copy_is_a_clear_error(tmp_path, monkeypatch):
    with pytest.raises(OSError, match="download_if_missing=False") as info:
        fetch_movielens(data_home=tmp_path, download_if_missing=False)
    assert "SKNEURO_DATA_HOME" in str(info.value)

    def offline(url, timeout=None):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(_movielens.urllib.request, "urlopen", offline)
    with pytest.raises(OSError, match="Could not download") as info:
        fetch_movielens(data_home=tmp_path)
    assert "Without network" in str(info.value)
    assert list(tmp_path.iterdir()) == []  # no half-written cache


def test_unknown_variant():
    with pytest.raises(ValueError, match="variant"):
        fetch_movielens("1m")


def test_get_data_home_resolution(tmp_path, monkeypatch):
    explicit = tmp_path / "explicit"
    assert get_data_home(explicit) == str(explicit) and explicit.is_dir()
    monkeypatch.setenv("SKNEURO_DATA_HOME", str(tmp_path / "env"))
    assert get_data_home() == str(tmp_path / "env")
    monkeypatch.delenv("SKNEURO_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert get_data_home() == str(tmp_path / "user" / "skneuro_data")
    assert get_data_home("~/cache") == str(tmp_path / "user" / "cache")
    assert os.path.isdir(tmp_path / "user" / "cache")


# ------------------------------------------------------ argument checks


@pytest.mark.parametrize("flag", ["no", "False", 0, 1, None])
def test_download_if_missing_must_be_a_bool(tmp_path, monkeypatch, flag):
    def no_network(*args, **kwargs):
        raise AssertionError("a non-bool flag must not start a download")

    monkeypatch.setattr(_movielens.urllib.request, "urlopen", no_network)
    home = tmp_path / "home"
    with pytest.raises(TypeError, match="download_if_missing"):
        fetch_movielens(data_home=home, download_if_missing=flag)
    assert not home.exists()


@pytest.mark.parametrize("bad", [123, b"/tmp", ["/tmp"]])
def test_data_home_type_is_checked(bad):
    with pytest.raises(TypeError, match="data_home"):
        fetch_movielens(data_home=bad, download_if_missing=False)
    with pytest.raises(TypeError, match="data_home"):
        get_data_home(bad)


def test_empty_data_home_is_refused_not_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for call in (
        lambda: get_data_home(""),
        lambda: fetch_movielens(data_home="", download_if_missing=False),
    ):
        with pytest.raises(ValueError, match="empty path"):
            call()
    assert list(tmp_path.iterdir()) == []
    # "." is the explicit way to say the current directory
    assert get_data_home(".") == str(tmp_path)
    # an empty environment variable means "not set"
    monkeypatch.setenv("SKNEURO_DATA_HOME", "")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert get_data_home() == str(tmp_path / "user" / "skneuro_data")


def test_data_home_that_is_a_file(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(NotADirectoryError, match="not a folder"):
        get_data_home(a_file)


def test_data_home_pointing_at_the_ml_100k_folder_gets_a_hint(data_home):
    with pytest.raises(OSError, match="pass its parent"):
        fetch_movielens(data_home=data_home / "ml-100k", download_if_missing=False)


# ------------------------------------------------ no folders left behind


def test_offline_call_creates_no_folder(tmp_path):
    home = tmp_path / "a" / "b"
    with pytest.raises(OSError, match="download_if_missing=False"):
        fetch_movielens(data_home=home, download_if_missing=False)
    assert list(tmp_path.iterdir()) == []


def test_failed_download_removes_the_folders_it_created(tmp_path, monkeypatch):
    def offline(url, timeout=None):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(_movielens.urllib.request, "urlopen", offline)
    with pytest.raises(OSError, match="Could not download"):
        fetch_movielens(data_home=tmp_path / "a" / "b" / "c")
    assert list(tmp_path.iterdir()) == []
    # an existing folder is left in place
    existing = tmp_path / "existing"
    existing.mkdir()
    with pytest.raises(OSError, match="Could not download"):
        fetch_movielens(data_home=existing / "new")
    assert list(tmp_path.iterdir()) == [existing]
    assert list(existing.iterdir()) == []


def test_get_data_home_removes_the_parents_it_created_when_it_fails(
    tmp_path, monkeypatch
):
    target = tmp_path / "a" / "b" / "c"
    real_mkdir = os.mkdir

    def refuse_the_last_level(path, *args, **kwargs):
        # only once its parents exist: mkdir(parents=True) creates them first
        if Path(path) == target and target.parent.is_dir():
            raise PermissionError(13, "Permission denied", str(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", refuse_the_last_level)
    with pytest.raises(PermissionError):
        get_data_home(target)
    created_then_removed = not (tmp_path / "a").exists()
    monkeypatch.undo()
    assert created_then_removed
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------- damaged local copy


@pytest.mark.parametrize("missing", [["u.item"], ["u.user"], ["u.item", "u.user"]])
def test_incomplete_copy_names_the_missing_files(tmp_path, monkeypatch, missing):
    folder = write_fake_movielens(tmp_path / "home" / "ml-100k")
    for name in missing:
        (folder / name).unlink()

    def no_network(*args, **kwargs):
        raise AssertionError("an existing copy is not downloaded over")

    monkeypatch.setattr(_movielens.urllib.request, "urlopen", no_network)
    for download_if_missing in (False, True):
        with pytest.raises(OSError, match="is incomplete") as info:
            fetch_movielens(
                data_home=tmp_path / "home", download_if_missing=download_if_missing
            )
        message = str(info.value)
        assert not isinstance(info.value, FileNotFoundError)
        assert all(name in message for name in missing)
        assert str(folder) in message and "delete" in message
    assert (folder / "u.data").exists()  # nothing was removed


def test_unreadable_file_is_named(tmp_path):
    folder = write_fake_movielens(tmp_path / "home" / "ml-100k")
    (folder / "u.data").write_text("garbage\n")
    with pytest.raises(ValueError, match="u.data") as info:
        fetch_movielens(data_home=tmp_path / "home", download_if_missing=False)
    assert "delete" in str(info.value)
    # the fake copy is fine otherwise: a missing README is not an error
    folder = write_fake_movielens(tmp_path / "other" / "ml-100k")
    (folder / "README").unlink()
    data = fetch_movielens(data_home=tmp_path / "other", download_if_missing=False)
    assert data.DESCR == "" and data.ratings.shape == (25, 4)
