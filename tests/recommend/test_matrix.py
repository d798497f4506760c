"""InteractionEncoder: long (user, item[, value]) tables to user x item CSR."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError

from skneuro.recommend import InteractionEncoder, ItemKNNRecommender

TABLE = pd.DataFrame(
    {
        "user": ["bob", "ann", "ann", "cy", "ann", "bob"],
        "item": ["y", "x", "y", "z", "x", "z"],
        "rating": [5.0, 3.0, 4.0, 2.0, 1.0, 4.0],
    }
)  # ("ann", "x") appears twice: 3 then 1


@pytest.mark.parametrize(
    "duplicates, ann_x", [("sum", 4.0), ("max", 3.0), ("last", 1.0)]
)
def test_duplicates_are_merged_only_as_asked(duplicates, ann_x):
    encoder = InteractionEncoder(value_col="rating", duplicates=duplicates)
    X = encoder.fit_transform(TABLE)
    assert isinstance(X, sp.csr_array) and X.has_canonical_format
    assert_array_equal(encoder.users_, ["ann", "bob", "cy"])
    assert_array_equal(encoder.items_, ["x", "y", "z"])
    assert_array_equal(
        X.toarray(), [[ann_x, 4.0, 0.0], [0.0, 5.0, 4.0], [0.0, 0.0, 2.0]]
    )


def test_duplicates_raise_by_default():
    with pytest.raises(ValueError, match="1 \\(user, item\\) pair"):
        InteractionEncoder(value_col="rating").fit_transform(TABLE)
    # implicit (no value column): duplicates are counted only when asked
    counts = InteractionEncoder(duplicates="sum").fit_transform(TABLE)
    assert counts[[0], [0]].item() == 2.0
    binary = InteractionEncoder(duplicates="max").fit_transform(TABLE)
    assert set(binary.data) == {1.0}


def test_mappings_are_stable_and_values_land_in_their_cell():
    encoder = InteractionEncoder(value_col="rating", duplicates="last").fit(TABLE)
    reference = encoder.transform(TABLE).toarray()
    for seed in range(5):
        shuffled = TABLE.sample(frac=1.0, random_state=seed)
        refit = InteractionEncoder(value_col="rating", duplicates="last").fit(shuffled)
        assert_array_equal(refit.users_, encoder.users_)
        assert_array_equal(refit.items_, encoder.items_)
        # without duplicates, every value still lands in its own cell
        unique = shuffled.drop_duplicates(["user", "item"], keep=False)
        X = encoder.transform(unique)
        assert X.shape == (3, 3) and X.nnz == len(unique)
        for user, item, rating in unique.itertuples(index=False):
            row = encoder.users_.tolist().index(user)
            col = encoder.items_.tolist().index(item)
            assert X[[row], [col]].item() == rating
            assert reference[row, col] == rating


def test_larger_random_table_matches_a_dictionary():
    rng = np.random.default_rng(0)
    table = pd.DataFrame(
        {
            "user": rng.integers(0, 50, 2000),
            "item": rng.choice([f"i{j}" for j in range(80)], 2000),
            "value": rng.random(2000),
        }
    )
    for how in ("sum", "max", "last"):
        encoder = InteractionEncoder(value_col="value", duplicates=how)
        X = encoder.fit_transform(table).toarray()
        expected = table.groupby(["user", "item"], sort=False)["value"].agg(how)
        rows = encoder.users_.searchsorted(expected.index.get_level_values(0))
        cols = encoder.items_.searchsorted(expected.index.get_level_values(1))
        assert_allclose(X[rows, cols], expected.to_numpy())
        assert (X != 0).sum() == len(expected)


def test_unseen_ids():
    encoder = InteractionEncoder(value_col="rating", duplicates="last").fit(TABLE)
    new = pd.DataFrame({"user": ["dan", "ann"], "item": ["x", "w"], "rating": [2, 5]})
    with pytest.raises(ValueError, match="1 user\\(s\\) and 1 item\\(s\\) not seen"):
        encoder.transform(new)
    dropped = encoder.set_params(handle_unknown="ignore").transform(new)
    assert dropped.shape == (3, 3) and dropped.nnz == 0
    # new users against the known catalogue: fix the items, fit the users
    new_users = InteractionEncoder(
        value_col="rating", items=encoder.items_, handle_unknown="ignore"
    ).fit(new)
    X_new = new_users.transform(new)
    assert_array_equal(new_users.users_, ["ann", "dan"])
    assert_array_equal(X_new.toarray(), [[0, 0, 0], [2, 0, 0]])


def test_integer_ids_and_feeding_the_recommender():
    table = pd.DataFrame(
        {"u": [10, 3, 3, 7, 7, 10], "i": [200, 100, 300, 100, 300, 300]}
    )
    encoder = InteractionEncoder("u", "i")
    X = encoder.fit_transform(table)
    assert_array_equal(encoder.users_, [3, 7, 10])
    assert_array_equal(encoder.items_, [100, 200, 300])
    model = ItemKNNRecommender(k=2).fit(
        pd.DataFrame(X.toarray(), columns=[str(i) for i in encoder.items_])
    )
    items, _ = model.recommend(
        pd.DataFrame([[1.0, 0.0, 0.0]], columns=model.feature_names_in_), n=1
    )
    assert items[0].tolist() == ["300"]


@pytest.mark.parametrize(
    "table, message",
    [
        ([("a", "x")], "DataFrame"),
        (pd.DataFrame({"user": ["a"], "thing": ["x"]}), "no column"),
        (pd.DataFrame({"user": ["a", None], "item": ["x", "y"]}), "missing"),
    ],
)
def test_bad_tables(table, message):
    with pytest.raises((TypeError, ValueError), match=message):
        InteractionEncoder().fit(table)


def test_bad_values_and_catalogue():
    bad = TABLE.assign(rating=[1.0, np.nan, 2.0, 3.0, 4.0, 5.0])
    with pytest.raises(ValueError, match="finite"):
        InteractionEncoder(value_col="rating").fit(bad)
    with pytest.raises(ValueError, match="more than once"):
        InteractionEncoder(items=["x", "x"]).fit(TABLE)
    with pytest.raises(ValueError, match="'duplicates' parameter"):
        InteractionEncoder(duplicates="mean").fit(TABLE)


def test_user_rows_and_item_columns_map_labels_to_positions():
    table = pd.DataFrame(
        {"user": ["bob", "ann", "cy", "ann"], "item": [30, 10, 20, 30]}
    )
    encoder = InteractionEncoder()
    X = encoder.fit_transform(table).toarray()
    rows = encoder.user_rows(["cy", "ann"])
    assert_array_equal(encoder.users_[rows], ["cy", "ann"])
    assert_array_equal(X[encoder.user_rows(["ann"])[0]], [1, 0, 1])
    assert_array_equal(encoder.item_columns([30, 10]), [2, 0])
    with pytest.raises(ValueError, match=r"1 user\(s\) not seen in fit.*'dan'"):
        encoder.user_rows(["ann", "dan"])
    with pytest.raises(ValueError, match=r"item\(s\) not seen in fit.*40"):
        encoder.item_columns([40])
    with pytest.raises(ValueError, match="1-D"):
        encoder.user_rows("ann")
    with pytest.raises(NotFittedError):
        InteractionEncoder().user_rows(["ann"])
