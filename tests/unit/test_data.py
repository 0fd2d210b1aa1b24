"""Tests of regbook.data: multi_hot, the source switch, the stand-in and the
splits."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from regbook import data
from regbook.data import (
    DataUnavailableError,
    data_source,
    load_imdb,
    load_imdb_sequences,
    multi_hot,
    synthetic_imdb,
)


def reference_multi_hot(sequences, num_words):
    """The per-word loop of Keras 2's
    Tokenizer.sequences_to_matrix(mode="binary")."""
    out = np.zeros((len(sequences), num_words), dtype=np.float32)
    for i, seq in enumerate(sequences):
        for j in seq:
            out[i, j] = 1.0
    return out


# ---------------------------------------------------------------- multi_hot:
# values


def test_multi_hot_small_example():
    out = multi_hot([[1, 3, 3], [0], []], num_words=4)
    expected = np.array(
        [[0, 1, 0, 1], [1, 0, 0, 0], [0, 0, 0, 0]], dtype=np.float32
    )
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.float32


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_multi_hot_matches_reference_loop(seed):
    rng = np.random.default_rng(seed)
    seqs = [
        rng.integers(0, 50, rng.integers(0, 30)).tolist() for _ in range(40)
    ]
    np.testing.assert_array_equal(
        multi_hot(seqs, 50), reference_multi_hot(seqs, 50)
    )


def test_multi_hot_accepts_the_shapes_keras_gives():
    seqs = [[1, 2, 5], [4], [1, 1]]
    expected = reference_multi_hot(seqs, 6)
    as_object_array = np.empty(3, dtype=object)
    as_object_array[:] = seqs
    np.testing.assert_array_equal(multi_hot(as_object_array, 6), expected)
    np.testing.assert_array_equal(
        multi_hot([np.array(s) for s in seqs], 6), expected
    )
    np.testing.assert_array_equal(
        multi_hot(tuple(tuple(s) for s in seqs), 6), expected
    )
    np.testing.assert_array_equal(multi_hot(iter(seqs), 6), expected)
    numpy_ints = [
        [np.int32(1), np.int64(2), np.uint8(5)],
        [np.int16(4)],
        [1, 1],
    ]
    np.testing.assert_array_equal(multi_hot(numpy_ints, 6), expected)


def test_multi_hot_2d_integer_array():
    padded = np.array([[0, 0, 3], [1, 2, 2]])
    np.testing.assert_array_equal(
        multi_hot(padded, 4),
        np.array([[1, 0, 0, 1], [0, 1, 1, 0]], dtype=np.float32),
    )


def test_multi_hot_empty_input_gives_zero_rows():
    out = multi_hot([], num_words=7)
    assert out.shape == (0, 7)
    assert out.dtype == np.float32
    assert multi_hot([[], []], 3).shape == (2, 3)


def test_multi_hot_dtype_and_boundaries():
    out = multi_hot([[0, 9]], num_words=10, dtype=np.uint8)
    assert out.dtype == np.uint8
    assert out[0, 0] == 1 and out[0, 9] == 1 and out.sum() == 2


# ---------------------------------------------------------------- multi_hot:
# errors


@pytest.mark.parametrize("num_words", [0, -5])
def test_multi_hot_rejects_non_positive_num_words(num_words):
    with pytest.raises(ValueError, match="num_words"):
        multi_hot([[1]], num_words)


@pytest.mark.parametrize("num_words", [10.0, "10", None, True, 2.5])
def test_multi_hot_rejects_non_integer_num_words(num_words):
    with pytest.raises(TypeError, match="num_words"):
        multi_hot([[1]], num_words)


@pytest.mark.parametrize(
    "bad",
    [
        [[1, 2.5]],
        [[1, 2.0]],
        [[1, "a"]],
        [["3"]],
        [[1, None]],
        [[1, [2]]],
        [[np.float32(1)]],
    ],
)
def test_multi_hot_rejects_non_integer_indices(bad):
    with pytest.raises(TypeError, match=r"sequences\[0\]\[\d\]|integer"):
        multi_hot(bad, 10)


def test_multi_hot_error_says_where_the_bad_value_is():
    with pytest.raises(TypeError, match=r"sequences\[1\]\[2\] is 0\.5"):
        multi_hot([[1, 2], [3, 4, 0.5]], 10)


def test_multi_hot_rejects_a_flat_list_of_ints():
    with pytest.raises(
        TypeError, match=r"sequences\[0\] is a int.*wrap it in a list"
    ):
        multi_hot([1, 2, 3], 10)


def test_multi_hot_rejects_strings_and_float_arrays():
    with pytest.raises(TypeError, match="string"):
        multi_hot("abc", 10)
    with pytest.raises(TypeError, match="integer dtype"):
        multi_hot(np.zeros((2, 3)), 10)
    with pytest.raises(TypeError, match="integers"):
        multi_hot([np.array([1.0, 2.0])], 10)


@pytest.mark.parametrize("index", [-1, 10, 1000])
def test_multi_hot_rejects_out_of_range_indices(index):
    with pytest.raises(
        ValueError, match=rf"word index {index} is outside \[0, num_words\)"
    ):
        multi_hot([[1, 2], [index]], num_words=10)


def test_multi_hot_out_of_range_in_2d_array():
    with pytest.raises(ValueError, match="num_words"):
        multi_hot(np.array([[1, 12]]), 10)


# ---------------------------------------------------------------- the data
# source


def test_data_source_reads_the_environment(monkeypatch):
    monkeypatch.delenv("REGBOOK_DATA", raising=False)
    assert data_source() == "auto"
    monkeypatch.setenv("REGBOOK_DATA", "Synthetic")
    assert data_source() == "synthetic"
    assert data_source("imdb") == "imdb"  # the argument wins


def test_unknown_source_in_environment_names_the_variable(monkeypatch):
    monkeypatch.setenv("REGBOOK_DATA", "kaggle")
    with pytest.raises(
        ValueError, match=r"REGBOOK_DATA.*auto, imdb, synthetic.*'kaggle'"
    ):
        data_source()
    with pytest.raises(ValueError, match="REGBOOK_DATA"):
        load_imdb()


def test_unknown_source_argument_names_the_argument():
    with pytest.raises(ValueError, match=r"^source must be one of"):
        data_source("imbd")
    with pytest.raises(TypeError, match="source"):
        data_source(3)  # type: ignore[arg-type]


def _no_network(num_words):
    raise OSError("simulated: no route to host")


def test_auto_falls_back_loudly_when_the_download_fails(monkeypatch, capsys):
    monkeypatch.setattr(data, "_download_imdb", _no_network)
    train, test, used = load_imdb_sequences(100, source="auto")
    assert used == "synthetic"
    out = capsys.readouterr().out
    assert "could not be downloaded" in out and "SYNTHETIC" in out
    assert "simulated: no route to host" in out
    assert len(train[0]) == 25_000 and len(test[0]) == 25_000


def test_imdb_source_fails_clearly_when_the_download_fails(monkeypatch):
    monkeypatch.setattr(data, "_download_imdb", _no_network)
    with pytest.raises(
        DataUnavailableError, match=r"REGBOOK_DATA=imdb.*no route to host"
    ):
        load_imdb_sequences(100, source="imdb")


def fake_imdb_file(path, n_train=30, n_test=12, seed=1):
    """An imdb.npz in Keras' format: object arrays of lists of raw ranks."""
    rng = np.random.default_rng(seed)

    def reviews(n):
        out = np.empty(n, dtype=object)
        out[:] = [
            rng.integers(1, 3000, rng.integers(0, 40)).tolist()
            for _ in range(n)
        ]
        return out

    np.savez(
        path,
        x_train=reviews(n_train),
        y_train=rng.integers(0, 2, n_train),
        x_test=reviews(n_test),
        y_test=rng.integers(0, 2, n_test),
    )
    return str(path)


def test_auto_uses_imdb_when_available(monkeypatch, capsys, tmp_path):
    path = fake_imdb_file(tmp_path / "imdb.npz")
    monkeypatch.setattr(data, "_imdb_file", lambda: path)
    d = load_imdb(50, source="auto")
    assert d.source == "imdb"
    assert "IMDB movie reviews" in capsys.readouterr().out
    assert len(d.x_train) + len(d.x_val) == 30 and len(d.x_test) == 12


def test_imdb_rows_equal_multi_hot_of_keras_load_data(monkeypatch, tmp_path):
    """Reading imdb.npz directly gives exactly the rows Keras' load_data leads
    to."""
    from keras.src.datasets import imdb as keras_imdb

    path = fake_imdb_file(tmp_path / "imdb.npz", n_train=60, n_test=20, seed=4)
    monkeypatch.setattr(data, "_imdb_file", lambda: path)
    monkeypatch.setattr(keras_imdb, "get_file", lambda *args, **kwargs: path)
    num_words = 200
    (x_train, y_train), (x_test, y_test) = data._imdb_matrices(num_words)
    (k_train, ky_train), (k_test, ky_test) = keras_imdb.load_data(
        num_words=num_words
    )

    def rows(x, y):
        return sorted(
            (tuple(np.flatnonzero(r)), int(label))
            for r, label in zip(x, y, strict=False)
        )

    assert rows(x_train, y_train) == rows(
        multi_hot(k_train, num_words), ky_train
    )
    assert rows(x_test, y_test) == rows(multi_hot(k_test, num_words), ky_test)


def test_load_imdb_falls_back_or_fails_when_the_file_cannot_be_had(
    monkeypatch, capsys
):
    def no_file():
        raise OSError("simulated: no route to host")

    monkeypatch.setattr(data, "_imdb_file", no_file)
    assert load_imdb(100, source="auto", train_size=10).source == "synthetic"
    assert "could not be downloaded" in capsys.readouterr().out
    with pytest.raises(DataUnavailableError, match="REGBOOK_DATA=imdb"):
        load_imdb(100, source="imdb")


def test_synthetic_source_never_downloads(monkeypatch):
    def forbidden(num_words):
        raise AssertionError("must not download")

    monkeypatch.setattr(data, "_download_imdb", forbidden)
    assert load_imdb_sequences(100, source="synthetic")[2] == "synthetic"


# ---------------------------------------------------------------- the stand-in


def test_stand_in_has_imdb_shape_and_conventions():
    (x_train, y_train), (x_test, y_test) = synthetic_imdb(1000)
    assert len(x_train) == len(y_train) == 25_000
    assert len(x_test) == len(y_test) == 25_000
    assert x_train.dtype == object and isinstance(x_train[0], list)
    assert all(type(w) is int for w in x_train[0])
    assert all(seq[0] == 1 for seq in x_train[:1000])  # start marker
    flat = np.fromiter(itertools.chain.from_iterable(x_train), dtype=np.int64)
    assert flat.min() >= 1 and flat.max() <= 999
    assert 200 <= np.mean([len(s) for s in x_train]) <= 280  # about 240 words
    assert set(np.unique(y_train)) == {0, 1} and y_train.mean() == 0.5
    # Zipf-like: frequent words much more common than rare ones, OOV (2)
    # present.
    counts = np.bincount(flat, minlength=1000)
    assert counts[4] > 10 * counts[500] > 0
    assert counts[2] > 0


def test_stand_in_is_deterministic_and_seeded():
    a = synthetic_imdb(200, n_train=300, n_test=100, seed=7)
    b = synthetic_imdb(200, n_train=300, n_test=100, seed=7)
    c = synthetic_imdb(200, n_train=300, n_test=100, seed=8)
    assert list(a[0][0]) == list(b[0][0])
    np.testing.assert_array_equal(a[0][1], b[0][1])
    assert list(a[0][0]) != list(c[0][0])


def test_stand_in_labels_are_learnable_from_words():
    """Words lean positive or negative: a bag-of-words rule beats chance
    clearly."""
    (x, y), _ = synthetic_imdb(1000, n_train=4000, n_test=0, seed=3)
    X = multi_hot(x, 1000)
    pos, neg = X[y == 1].mean(0), X[y == 0].mean(0)
    score = X @ (pos - neg)
    accuracy = np.mean((score > np.median(score)) == (y == 1))
    assert accuracy > 0.75


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"n_train": -1}, ValueError),
        ({"n_test": 2.0}, TypeError),
        ({"num_words": 0}, ValueError),
    ],
)
def test_stand_in_rejects_bad_arguments(kwargs, error):
    with pytest.raises(error, match=next(iter(kwargs))):
        synthetic_imdb(**kwargs)


# ---------------------------------------------------------------- load_imdb


@pytest.fixture(scope="module")
def splits():
    return load_imdb(1000, source="synthetic")


def test_load_imdb_splits(splits):
    assert splits.source == "synthetic"
    assert splits.x_train.shape == (20_000, 1000) and splits.x_val.shape == (
        5_000,
        1000,
    )
    assert splits.x_test.shape == (25_000, 1000)
    for y in (splits.y_train, splits.y_val, splits.y_test):
        assert y.shape[1] == 1 and y.dtype == np.float32
    assert set(np.unique(splits.x_train)) <= {0.0, 1.0}
    assert "validation=5000" in repr(splits)


def test_validation_comes_from_training_not_test():
    (x_all, _), (x_test, _), _ = load_imdb_sequences(1000, source="synthetic")
    d = load_imdb(1000, source="synthetic")
    train_rows = {tuple(np.flatnonzero(r)) for r in multi_hot(x_all, 1000)}
    test_rows = {tuple(np.flatnonzero(r)) for r in d.x_test}
    val_rows = {tuple(np.flatnonzero(r)) for r in d.x_val}
    assert val_rows <= train_rows
    np.testing.assert_array_equal(d.x_test, multi_hot(x_test, 1000))
    # The stand-in's reviews are long enough that train and test never coincide.
    assert not (val_rows & test_rows)


def test_load_imdb_is_deterministic():
    a = load_imdb(100, source="synthetic", seed=3, train_size=500)
    b = load_imdb(100, source="synthetic", seed=3, train_size=500)
    c = load_imdb(100, source="synthetic", seed=4, train_size=500)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_val, b.y_val)
    assert not np.array_equal(a.x_val, c.x_val)
    assert a.x_train.shape == (500, 100)


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"validation_fraction": 0.0}, ValueError, "validation_fraction"),
        ({"validation_fraction": 1.5}, ValueError, "validation_fraction"),
        ({"validation_fraction": "0.2"}, TypeError, "validation_fraction"),
        ({"train_size": 0}, ValueError, "train_size"),
        ({"train_size": 10**6}, ValueError, "train_size"),
        ({"train_size": 1.5}, TypeError, "train_size"),
        ({"num_words": -1}, ValueError, "num_words"),
        ({"num_words": 2}, ValueError, "num_words"),
    ],
)
def test_load_imdb_rejects_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=name):
        load_imdb(source="synthetic", **kwargs)
