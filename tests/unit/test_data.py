"""Tests of regbook.data: multi_hot, the source switch, the stand-in and the
splits."""

from __future__ import annotations

import hashlib
import itertools
import os
import subprocess
import sys

import numpy as np
import pytest

from regbook import data
from regbook.data import (
    DataUnavailableError,
    data_condition,
    data_source,
    load_imdb,
    load_imdb_sequences,
    multi_hot,
    synthetic_imdb,
)


@pytest.fixture(autouse=True)
def no_condition(monkeypatch):
    """Every test starts without a data condition (CI may set one)."""
    monkeypatch.delenv("REGBOOK_CONDITION", raising=False)


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


def test_multi_hot_matches_reference_loop_across_chunks():
    """More reviews than one chunk (2,048): every row lands in its place."""
    rng = np.random.default_rng(9)
    seqs = [
        rng.integers(0, 30, rng.integers(0, 8)).tolist() for _ in range(5000)
    ]
    np.testing.assert_array_equal(
        multi_hot(seqs, 30), reference_multi_hot(seqs, 30)
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


def test_auto_falls_back_loudly_when_the_download_fails(
    monkeypatch, capsys, small_pools
):
    monkeypatch.setattr(data, "_download_imdb", _no_network)
    train, test, used = load_imdb_sequences(100, source="auto")
    assert used == "synthetic"
    out = capsys.readouterr().out
    assert "could not be downloaded" in out and "SYNTHETIC" in out
    assert "simulated: no route to host" in out
    assert len(train[0]) == N_POOL and len(test[0]) == N_TEST


def test_imdb_source_fails_clearly_when_the_download_fails(monkeypatch):
    monkeypatch.setattr(data, "_download_imdb", _no_network)
    with pytest.raises(
        DataUnavailableError, match=r"REGBOOK_DATA=imdb.*no route to host"
    ):
        load_imdb_sequences(100, source="imdb")


def test_fallback_note_shows_the_first_line_of_the_reason_cut_at_120(
    monkeypatch, capsys, small_pools
):
    long_line = "x" * 200

    def fails():
        raise OSError(f"{long_line}\nsecond line")

    monkeypatch.setattr(data, "_imdb_file", fails)
    load_imdb(source="auto")
    out = capsys.readouterr().out
    reason = f"OSError: {long_line}"[:120]
    assert f"could not be downloaded ({reason})." in out
    assert "second line" not in out


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


def test_load_imdb_falls_back_or_fails_when_the_file_cannot_be_had(
    monkeypatch, capsys, small_pools
):
    def no_file():
        raise OSError("simulated: no route to host")

    monkeypatch.setattr(data, "_imdb_file", no_file)
    assert load_imdb(100, source="auto", train_size=10).source == "synthetic"
    assert "could not be downloaded" in capsys.readouterr().out
    with pytest.raises(DataUnavailableError, match="REGBOOK_DATA=imdb"):
        load_imdb(100, source="imdb")


def test_synthetic_source_never_downloads(monkeypatch, small_pools):
    def forbidden(num_words):
        raise AssertionError("must not download")

    monkeypatch.setattr(data, "_download_imdb", forbidden)
    assert load_imdb_sequences(100, source="synthetic")[2] == "synthetic"


# ---------------------------------------------------------------- the stand-in


def test_stand_in_is_deterministic_and_seeded():
    a = synthetic_imdb(200, n_train=300, n_test=100, seed=7)
    b = synthetic_imdb(200, n_train=300, n_test=100, seed=7)
    c = synthetic_imdb(200, n_train=300, n_test=100, seed=8)
    assert list(a[0][0]) == list(b[0][0])
    assert [list(r) for r in a[1][0]] == [list(r) for r in b[1][0]]
    np.testing.assert_array_equal(a[0][1], b[0][1])
    assert list(a[0][0]) != list(c[0][0])
    # The default seed is 2011.
    d = synthetic_imdb(200, n_train=50, n_test=0)
    e = synthetic_imdb(200, n_train=50, n_test=0, seed=2011)
    assert [list(r) for r in d[0][0]] == [list(r) for r in e[0][0]]
    assert data.STAND_IN_SEED == 2011


def test_stand_in_settings_are_pinned():
    """The calibrated settings (see the calibration table) and the hard ones."""
    calibrated = data._StandIn(
        clarity=(6.0, 2.0),
        lean_sd=0.2,
        tail_lean_sd=0.63,
        strong_lean=0.8,
        strong_count=300,
        strong_ranks=(15, 1500),
        lengths=(5.25, 0.65),
    )
    hard = data._StandIn(
        clarity=(5.0, 2.0),
        lean_sd=0.2,
        tail_lean_sd=0.55,
        strong_lean=0.7,
        strong_count=300,
        strong_ranks=(15, 1500),
        lengths=(5.25, 0.65),
    )
    assert calibrated == data._CALIBRATED
    assert hard == data._HARD
    assert data.TAIL_INDEX == 1000


def stand_in_digest(hard):
    """A fingerprint of a small stand-in: every word index, length and label."""
    train, test = data._synthetic_flat(
        1000, n_train=2000, n_test=500, seed=2011, hard=hard
    )
    digest = hashlib.sha256()
    for array in (*train, *test):
        digest.update(np.ascontiguousarray(array, dtype=np.int64).tobytes())
    return digest.hexdigest()[:16]


def test_stand_in_is_the_calibrated_one():
    """The calibration table in regbook.data's docstring was measured on exactly
    these reviews. If this fails, the stand-in changed (its code, or NumPy's
    random streams): run benchmarks/calibrate_standin.py, update the table
    and, once it still meets its targets, these fingerprints."""
    assert stand_in_digest(hard=False) == "c880c3a49c9be564"
    assert stand_in_digest(hard=True) == "ecfcfb9f471e5bf6"


def test_tail_words_start_at_index_1000():
    """Words from index 1000 on (beyond the book's vocabulary) take the tail's
    spread, the ones before it the head's."""
    settings = data._StandIn(
        clarity=(6.0, 2.0),
        lean_sd=0.0,
        tail_lean_sd=1.0,
        strong_lean=0.8,
        strong_count=0,
        strong_ranks=(15, 1500),
        lengths=(5.25, 0.65),
    )
    _, lean, strong = data._word_leans(np.random.default_rng(1), settings)
    assert strong.size == 0
    first_tail = 1000 - data.FIRST_WORD
    np.testing.assert_array_equal(lean[:first_tail], 0.0)
    assert np.all(lean[first_tail:] != 0.0)


def test_word_leans_by_value():
    zipf, lean, strong = data._word_leans(
        np.random.default_rng(0), data._CALIBRATED
    )
    assert zipf.size == lean.size == data.IMDB_MAX_INDEX - data.FIRST_WORD + 1
    assert zipf[0] == pytest.approx(3.7**-1.07)
    assert zipf[996] == pytest.approx(999.7**-1.07)
    assert len(np.unique(strong)) == 300
    assert strong.min() >= 15 and strong.max() < 1500
    np.testing.assert_array_equal(lean[strong[:150]], 0.8)
    np.testing.assert_array_equal(lean[strong[150:]], -0.8)
    others = np.setdiff1d(np.arange(lean.size), strong)
    head = others[others + data.FIRST_WORD < 1000]
    tail = others[others + data.FIRST_WORD >= 1000]
    assert head.size == 996 - 300 + np.sum(strong + data.FIRST_WORD >= 1000)
    assert lean[head].std() == pytest.approx(0.2, abs=0.02)
    assert lean[tail].std() == pytest.approx(0.63, abs=0.01)
    assert abs(lean[tail].mean()) < 0.01


def word_counts(index, lengths, labels, num_words):
    """How often each word occurs in positive and in negative reviews."""
    label_of_word = np.repeat(labels, lengths)
    return (
        np.bincount(index[label_of_word == 1], minlength=num_words),
        np.bincount(index[label_of_word == 0], minlength=num_words),
    )


def test_strongly_polarised_words_lean_the_way_they_should():
    """Each strong word is more common on its own side, by the factor the
    generator's mixture implies (clarity Beta(6, 2), lean +-0.8)."""
    num_words = 1500
    (index, lengths, labels), _ = data._synthetic_flat(
        num_words, n_train=6000, n_test=0, seed=2011
    )
    _, _, strong = data._word_leans(
        np.random.default_rng(2011), data._CALIBRATED
    )
    pos, neg = word_counts(index, lengths, labels, num_words)
    words = strong + data.FIRST_WORD
    visible = words < num_words
    positive = words[:150][visible[:150]]
    negative = words[150:][visible[150:]]
    assert positive.size > 100 and negative.size > 100
    assert np.all(pos[positive] > neg[positive])
    assert np.all(neg[negative] > pos[negative])
    # Expected ratio: a positive review draws from the positive side with
    # probability E[clarity] = 3/4, where a strong word is e^(2 * 0.8) times as
    # likely as on the negative side (the two sides' normalisers are close).
    odds = np.exp(2 * 0.8)
    expected = np.log((0.75 * odds + 0.25) / (0.25 * odds + 0.75))
    log_ratio = np.log(pos[positive] / neg[positive]).mean()
    assert log_ratio == pytest.approx(expected, abs=0.08)
    assert np.log(neg[negative] / pos[negative]).mean() == pytest.approx(
        expected, abs=0.08
    )


def test_draw_equals_a_binary_search():
    """The guide-table sampler returns exactly np.searchsorted's bins."""
    rng = np.random.default_rng(5)
    for width in (1, 3, 50, 4000):
        cdfs = []
        for _ in range(2):
            p = rng.pareto(1.0, width) + 1e-9
            c = np.cumsum(p).astype(np.float32)
            cdfs.append(c / c[-1])
        u = rng.random(20_000, dtype=np.float32)
        u[:3] = [0.0, np.float32(1) - np.float32(2**-24), cdfs[0][0] / 2]
        u[3:5] = cdfs[0][:2] if width > 2 else 0.5  # exactly on a step
        positive = rng.random(u.size) < 0.5
        expected = np.where(
            positive,
            np.searchsorted(cdfs[1], u),
            np.searchsorted(cdfs[0], u),
        )
        np.testing.assert_array_equal(data._draw(cdfs, positive, u), expected)


def bag_of_words_accuracy(x, y, n_fit):
    """Held-out accuracy of Bernoulli naive Bayes on multi-hot rows: how much
    the words say about the label (a cheap proxy for a network's accuracy)."""
    fit, rest = slice(0, n_fit), slice(n_fit, None)
    p1 = (x[fit][y[fit] == 1].sum(0) + 1) / ((y[fit] == 1).sum() + 2)
    p0 = (x[fit][y[fit] == 0].sum(0) + 1) / ((y[fit] == 0).sum() + 2)
    w = (np.log(p1 / p0) - np.log((1 - p1) / (1 - p0))).astype(np.float32)
    score = np.concatenate(
        [x[i : i + 2000].astype(np.float32) @ w for i in range(0, len(x), 2000)]
    )
    threshold = np.median(score[fit])
    return float(np.mean((score[rest] > threshold) == (y[rest] == 1)))


def stand_in_rows(num_words, n, *, hard=False, seed=2011):
    (index, lengths, labels), _ = data._synthetic_flat(
        num_words, n_train=n, n_test=0, seed=seed, hard=hard
    )
    rows = data._rows((index, lengths, labels), np.arange(n), num_words)
    return rows, labels


@pytest.fixture(scope="module")
def word_evidence():
    """Bag-of-words accuracies: 1,000 and 10,000 words, default and hard."""
    x, y = stand_in_rows(10_000, 12_000)
    hard_x, hard_y = stand_in_rows(1000, 12_000, hard=True)
    return {
        "1k": bag_of_words_accuracy(x[:, :1000], y, 8000),
        "10k": bag_of_words_accuracy(x, y, 8000),
        "hard": bag_of_words_accuracy(hard_x, hard_y, 8000),
    }


def test_stand_in_labels_are_learnable_from_words(word_evidence):
    """As on IMDB: about 85% from 1,000 words, a few points more from 10,000."""
    assert 0.83 < word_evidence["1k"] < 0.89
    assert 0.02 < word_evidence["10k"] - word_evidence["1k"] < 0.08


def test_hard_stand_in_is_harder_but_learnable(word_evidence):
    """Before any label is flipped, the hard stand-in's words say less."""
    assert word_evidence["hard"] < word_evidence["1k"] - 0.05
    assert word_evidence["hard"] > 0.7


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"n_train": -1}, ValueError),
        ({"n_test": -3}, ValueError),
        ({"n_train": 1.0}, TypeError),
        ({"n_test": 2.0}, TypeError),
        ({"n_test": True}, TypeError),
        ({"num_words": 0}, ValueError),
    ],
)
def test_stand_in_rejects_bad_arguments(kwargs, error):
    name = next(iter(kwargs))
    with pytest.raises(error, match=rf"^{name} must be"):
        synthetic_imdb(**kwargs)


def test_stand_in_accepts_empty_parts():
    (x, y), (xt, _) = synthetic_imdb(100, n_train=0, n_test=3)
    assert len(x) == len(y) == 0 and len(xt) == 3


# ------------------------------------------------------------ data conditions

N_POOL, N_TEST = 6000, 3000


@pytest.fixture
def small_pools(monkeypatch):
    """A stand-in of 6,000 training and 3,000 test reviews: fast to load."""
    monkeypatch.setattr(data, "IMDB_TRAIN_SIZE", N_POOL)
    monkeypatch.setattr(data, "IMDB_TEST_SIZE", N_TEST)


def expected_parts(num_words, *, stand_in_seed, split_seed, hard=False):
    """The six arrays of load_imdb, computed independently of it."""
    (x, y), (xt, yt) = synthetic_imdb(
        num_words, n_train=N_POOL, n_test=N_TEST, seed=stand_in_seed, hard=hard
    )
    rows = multi_hot(x, num_words, dtype=np.uint8)
    order = np.random.default_rng(split_seed).permutation(N_POOL)
    val, train = order[:1200], order[1200:]
    return (
        rows[train],
        y[train],
        rows[val],
        y[val],
        multi_hot(xt, num_words, dtype=np.uint8),
        yt,
    )


def parts(d):
    return (
        d.x_train,
        d.y_train[:, 0],
        d.x_val,
        d.y_val[:, 0],
        d.x_test,
        d.y_test[:, 0],
    )


def assert_parts_equal(actual, expected):
    for a, b in zip(actual, expected, strict=True):
        np.testing.assert_array_equal(a, b)


def test_conditions_are_listed_and_described():
    assert list(data.CONDITIONS) == [
        "default",
        "seed-b",
        "seed-c",
        "train-4000",
        "vocab-500",
        "hard",
    ]
    for name, description in data.CONDITIONS.items():
        assert description and "\n" not in description, name
    with pytest.raises(TypeError):
        data.CONDITIONS["new"] = "x"  # type: ignore[index]
    assert data.CONDITION_VARIABLE == "REGBOOK_CONDITION"


def test_data_condition_reads_the_environment(monkeypatch):
    monkeypatch.delenv("REGBOOK_CONDITION", raising=False)
    assert data_condition() == "default"
    monkeypatch.setenv("REGBOOK_CONDITION", "")
    assert data_condition() == "default"
    monkeypatch.setenv("REGBOOK_CONDITION", " Seed-B ")
    assert data_condition() == "seed-b"
    assert data_condition("hard") == "hard"  # the argument wins
    assert data_condition("") == "default"


def test_unknown_condition_names_the_variable_and_the_values(monkeypatch):
    monkeypatch.setenv("REGBOOK_CONDITION", "seed-d")
    allowed = "default, seed-b, seed-c, train-4000, vocab-500, hard"
    with pytest.raises(
        ValueError,
        match=rf"^environment variable REGBOOK_CONDITION must be one of "
        rf"{allowed}; got 'seed-d'$",
    ):
        data_condition()
    with pytest.raises(ValueError, match="REGBOOK_CONDITION"):
        load_imdb(source="synthetic")
    with pytest.raises(ValueError, match="REGBOOK_CONDITION"):
        load_imdb_sequences(source="synthetic")
    with pytest.raises(
        ValueError, match=rf"^condition must be one of {allowed}"
    ):
        data_condition("seed-d")
    with pytest.raises(TypeError, match=r"^condition must be a str"):
        data_condition(1)  # type: ignore[arg-type]


def test_default_changes_nothing(small_pools, monkeypatch, capsys):
    expected = expected_parts(1000, stand_in_seed=2011, split_seed=0)
    monkeypatch.delenv("REGBOOK_CONDITION", raising=False)
    unset = load_imdb(source="synthetic")
    assert_parts_equal(parts(unset), expected)
    assert unset.condition == "default"
    out = capsys.readouterr().out
    assert "condition" not in out.lower()
    assert "condition" not in repr(unset)
    for value in ("", "default", " DEFAULT"):
        monkeypatch.setenv("REGBOOK_CONDITION", value)
        assert_parts_equal(parts(load_imdb(source="synthetic")), expected)


@pytest.mark.parametrize(
    "name, stand_in_seed, salt",
    [("seed-b", 2012, 1), ("seed-c", 2013, 2)],
)
def test_seed_conditions(small_pools, monkeypatch, name, stand_in_seed, salt):
    monkeypatch.setenv("REGBOOK_CONDITION", name)
    d = load_imdb(source="synthetic")
    assert d.condition == name
    assert_parts_equal(
        parts(d),
        expected_parts(1000, stand_in_seed=stand_in_seed, split_seed=(0, salt)),
    )
    other = load_imdb(source="synthetic", seed=5)
    assert_parts_equal(
        parts(other),
        expected_parts(1000, stand_in_seed=stand_in_seed, split_seed=(5, salt)),
    )


def test_condition_is_printed_and_recorded(small_pools, capsys):
    d = load_imdb(source="synthetic", condition="hard")
    out = capsys.readouterr().out
    assert (
        "Data condition: hard (REGBOOK_CONDITION=hard): a tenth of the labels "
        "flipped; on the stand-in, a weaker signal too." in out
    )
    assert d.condition == "hard"
    assert repr(d) == (
        "TextData(source='synthetic', condition='hard', num_words=1000, "
        "train=4800, validation=1200, test=3000)"
    )


def test_train_4000(small_pools):
    default = load_imdb(source="synthetic", condition="default")
    d = load_imdb(source="synthetic", condition="train-4000")
    assert (len(d.x_train), len(d.x_val), len(d.x_test)) == (4000, 1000, 1000)
    # The same split, cut short; the test reviews a fixed random subset.
    np.testing.assert_array_equal(d.x_train, default.x_train[:4000])
    np.testing.assert_array_equal(d.y_train, default.y_train[:4000])
    np.testing.assert_array_equal(d.x_val, default.x_val[:1000])
    np.testing.assert_array_equal(d.y_val, default.y_val[:1000])
    keep = np.sort(np.random.default_rng(4000).permutation(N_TEST)[:1000])
    np.testing.assert_array_equal(d.x_test, default.x_test[keep])
    np.testing.assert_array_equal(d.y_test, default.y_test[keep])
    # A smaller train_size wins; a larger one is capped; a wrong one fails.
    small = load_imdb(source="synthetic", condition="train-4000", train_size=99)
    np.testing.assert_array_equal(small.x_train, default.x_train[:99])
    capped = load_imdb(
        source="synthetic", condition="train-4000", train_size=4800
    )
    assert len(capped.x_train) == 4000
    with pytest.raises(ValueError, match=r"^train_size must be at most 4800"):
        load_imdb(source="synthetic", condition="train-4000", train_size=4801)


def test_vocab_500_folds_rare_words_into_oov_and_keeps_the_width(small_pools):
    default = load_imdb(source="synthetic", condition="default")
    d = load_imdb(source="synthetic", condition="vocab-500")
    for x, base in [
        (d.x_train, default.x_train),
        (d.x_val, default.x_val),
        (d.x_test, default.x_test),
    ]:
        assert x.shape == base.shape and x.dtype == np.uint8
        expected = base.copy()
        expected[:, 2] |= base[:, 500:].any(axis=1)
        expected[:, 500:] = 0
        np.testing.assert_array_equal(x, expected)
    np.testing.assert_array_equal(d.y_train, default.y_train)
    # A vocabulary already within 500 words is left alone.
    assert_parts_equal(
        parts(load_imdb(200, source="synthetic", condition="vocab-500")),
        parts(load_imdb(200, source="synthetic", condition="default")),
    )


def test_hard_flips_a_tenth_of_every_part_and_weakens_the_words(small_pools):
    d = load_imdb(source="synthetic", condition="hard")
    x, y, xv, yv, xt, yt = expected_parts(
        1000, stand_in_seed=2011, split_seed=0, hard=True
    )
    # The words are those of the hard stand-in ...
    np.testing.assert_array_equal(d.x_train, x)
    np.testing.assert_array_equal(d.x_val, xv)
    np.testing.assert_array_equal(d.x_test, xt)
    # ... and exactly a tenth of the labels of each pool is flipped.
    flipped_pool = (d.y_train[:, 0] != y).sum() + (d.y_val[:, 0] != yv).sum()
    assert flipped_pool == N_POOL // 10
    assert (d.y_test[:, 0] != yt).sum() == N_TEST // 10
    # Which ones: those the seeded generator of each part picks.
    (_, y_pool), (_, y_test) = synthetic_imdb(
        1000, n_train=N_POOL, n_test=N_TEST, hard=True
    )
    order = np.random.default_rng(0).permutation(N_POOL)
    flipped = data._flip(y_pool, 0.1, (1729, 0))[order]
    np.testing.assert_array_equal(d.y_val[:, 0], flipped[:1200])
    np.testing.assert_array_equal(d.y_train[:, 0], flipped[1200:])
    np.testing.assert_array_equal(
        d.y_test[:, 0], data._flip(y_test, 0.1, (1729, 1))
    )
    # The flips belong to the reviews, not to the split.
    other = load_imdb(source="synthetic", condition="hard", seed=1)
    pool = {
        r.tobytes(): label
        for r, label in zip(
            np.concatenate([d.x_train, d.x_val]),
            np.concatenate([d.y_train, d.y_val])[:, 0],
            strict=True,
        )
    }
    for r, label in zip(other.x_val, other.y_val[:, 0], strict=True):
        assert pool[r.tobytes()] == label


def test_flip_by_value():
    labels = np.array([0, 1] * 10)
    flipped = data._flip(labels, 0.1, (1729, 0))
    which = np.random.default_rng((1729, 0)).permutation(20)[:2]
    expected = labels.copy()
    expected[which] = 1 - expected[which]
    np.testing.assert_array_equal(flipped, expected)
    np.testing.assert_array_equal(labels, [0, 1] * 10)  # not in place
    assert data.FLIP_SEED == 1729 and data.TEST_SUBSET_SEED == 4000


def test_test_subset_by_value():
    np.testing.assert_array_equal(data._test_subset(5, None), np.arange(5))
    np.testing.assert_array_equal(data._test_subset(5, 5), np.arange(5))
    np.testing.assert_array_equal(data._test_subset(5, 9), np.arange(5))
    keep = data._test_subset(10, 3)
    expected = np.sort(np.random.default_rng(4000).permutation(10)[:3])
    np.testing.assert_array_equal(keep, expected)


def as_lists(reviews):
    return [list(r) for r in reviews]


def test_sequences_under_conditions(monkeypatch):
    """Each condition changes the raw reviews as documented (at a tenth of the
    sizes, train-4000's caps scaled down with them)."""
    n_pool, n_test = 600, 300
    monkeypatch.setattr(data, "IMDB_TRAIN_SIZE", n_pool)
    monkeypatch.setattr(data, "IMDB_TEST_SIZE", n_test)
    monkeypatch.setitem(
        data._SETTINGS,
        "train-4000",
        data._Condition(max_train=400, max_eval=100),
    )
    (x, y), (xt, yt) = synthetic_imdb(1000, n_train=n_pool, n_test=n_test)
    default = load_imdb_sequences(source="synthetic", condition="default")
    assert as_lists(default[0][0]) == as_lists(x)
    assert as_lists(default[1][0]) == as_lists(xt)
    np.testing.assert_array_equal(default[0][1], y)
    np.testing.assert_array_equal(default[1][1], yt)
    (x_b, _), _ = synthetic_imdb(1000, n_train=n_pool, n_test=0, seed=2012)
    seed_b = load_imdb_sequences(source="synthetic", condition="seed-b")
    assert as_lists(seed_b[0][0]) == as_lists(x_b)
    vocab = load_imdb_sequences(source="synthetic", condition="vocab-500")
    assert as_lists(vocab[0][0]) == [
        [w if w < 500 else 2 for w in r] for r in x
    ]
    (x4, y4), (xt4, yt4), _ = load_imdb_sequences(
        source="synthetic", condition="train-4000"
    )
    keep = np.sort(np.random.default_rng(4001).permutation(n_pool)[:500])
    assert as_lists(x4) == as_lists(x[keep])
    np.testing.assert_array_equal(y4, y[keep])
    keep_test = data._test_subset(n_test, 100)
    assert as_lists(xt4) == as_lists(xt[keep_test])
    np.testing.assert_array_equal(yt4, yt[keep_test])
    (xh, yh), (_, yth), _ = load_imdb_sequences(
        source="synthetic", condition="hard"
    )
    (x_hard, y_hard), (_, yt_hard) = synthetic_imdb(
        1000, n_train=n_pool, n_test=n_test, hard=True
    )
    assert as_lists(xh) == as_lists(x_hard)
    assert (yh != y_hard).sum() == n_pool // 10
    assert (yth != yt_hard).sum() == n_test // 10


def test_stand_in_has_imdb_shape_and_conventions():
    (x_train, y_train), (x_test, y_test) = synthetic_imdb(1000)
    assert len(x_train) == len(y_train) == 25_000
    assert len(x_test) == len(y_test) == 25_000
    assert x_train.dtype == object and isinstance(x_train[0], list)
    assert all(type(w) is int for w in x_train[0])
    assert all(seq[0] == 1 for seq in x_train[:1000])  # start marker
    assert all(1 not in seq[1:] for seq in x_train[:1000])  # only there
    flat = np.fromiter(itertools.chain.from_iterable(x_train), dtype=np.int64)
    assert flat.min() >= 1 and flat.max() <= 999
    assert 0 not in flat and 3 not in flat  # padding, unused
    lengths = np.array([len(s) for s in x_train])
    assert 220 <= lengths.mean() <= 260  # about 240 words
    # A start marker and 10 to 2,400 words; a few of the 25,000 reach the cap.
    assert lengths.min() >= 11 and lengths.max() == 2401
    assert set(np.unique(y_train)) == {0, 1} and y_train.mean() == 0.5
    assert y_test.mean() == 0.5
    # Zipf-like: frequent words much more common than rare ones, OOV (2)
    # present; the share of OOV words is about IMDB's at 1,000 words.
    counts = np.bincount(flat, minlength=1000)
    assert counts[4] > 10 * counts[500] > 0
    assert 0.2 < counts[2] / (flat.size - 25_000) < 0.4


# ---------------------------------------------------------------- load_imdb


@pytest.fixture(scope="module")
def splits():
    return load_imdb(1000, source="synthetic", condition="default")


def test_load_imdb_splits(splits):
    assert splits.source == "synthetic" and splits.condition == "default"
    assert splits.num_words == 1000
    assert splits.x_train.shape == (20_000, 1000)
    assert splits.x_val.shape == (5_000, 1000)
    assert splits.x_test.shape == (25_000, 1000)
    for x in (splits.x_train, splits.x_val, splits.x_test):
        assert x.dtype == np.uint8 and x.flags.c_contiguous
        np.testing.assert_array_equal(np.unique(x), [0, 1])  # ones, not twos
        np.testing.assert_array_equal(x[:, 1], 1)  # every review starts
        np.testing.assert_array_equal(x[:, [0, 3]], 0)  # padding, unused
    for x, y in [
        (splits.x_train, splits.y_train),
        (splits.x_val, splits.y_val),
        (splits.x_test, splits.y_test),
    ]:
        assert y.shape == (len(x), 1) and y.dtype == np.float32
        np.testing.assert_array_equal(np.unique(y), [0.0, 1.0])
    assert repr(splits) == (
        "TextData(source='synthetic', num_words=1000, train=20000, "
        "validation=5000, test=25000)"
    )


def row_set(x):
    return {row.tobytes() for row in x}


def test_splits_are_disjoint(splits):
    """No review is in two parts (the stand-in's reviews are all distinct)."""
    train, val, test = (
        row_set(splits.x_train),
        row_set(splits.x_val),
        row_set(splits.x_test),
    )
    assert len(train) == 20_000 and len(val) == 5_000
    assert not train & val
    assert not val & test
    assert not train & test


def test_load_imdb_is_deterministic(small_pools):
    a = load_imdb(100, source="synthetic", seed=3, train_size=500)
    b = load_imdb(100, source="synthetic", seed=3, train_size=500)
    c = load_imdb(100, source="synthetic", seed=4, train_size=500)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_val, b.y_val)
    assert not np.array_equal(a.x_val, c.x_val)
    assert a.x_train.shape == (500, 100)


def test_validation_fraction_and_train_size(small_pools):
    d = load_imdb(100, source="synthetic", validation_fraction=0.25)
    assert len(d.x_val) == 1500 and len(d.x_train) == 4500
    full = load_imdb(100, source="synthetic")
    part = load_imdb(100, source="synthetic", train_size=4800)
    np.testing.assert_array_equal(part.x_train, full.x_train)
    few = load_imdb(100, source="synthetic", train_size=7)
    np.testing.assert_array_equal(few.x_train, full.x_train[:7])
    np.testing.assert_array_equal(few.x_val, full.x_val)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"validation_fraction": 0.0}, ValueError, "^validation_fraction"),
        ({"validation_fraction": 1.0}, ValueError, "^validation_fraction"),
        ({"validation_fraction": 1.5}, ValueError, "^validation_fraction"),
        ({"validation_fraction": "0.2"}, TypeError, "^validation_fraction"),
        ({"validation_fraction": True}, TypeError, "^validation_fraction"),
        ({"train_size": 0}, ValueError, "^train_size must be positive"),
        ({"train_size": 4801}, ValueError, "^train_size must be at most 4800"),
        ({"train_size": 1.5}, TypeError, "^train_size"),
        ({"train_size": True}, TypeError, "^train_size"),
        ({"num_words": -1}, ValueError, "^num_words"),
        ({"num_words": 2}, ValueError, "^num_words must be at least 3"),
        ({"condition": "hardest"}, ValueError, "^condition must be one of"),
        ({"condition": 4000}, TypeError, "^condition must be a str"),
        ({"source": "kaggle"}, ValueError, "^source must be one of"),
    ],
)
def test_load_imdb_rejects_bad_arguments(kwargs, error, message, small_pools):
    with pytest.raises(error, match=message):
        load_imdb(**{"source": "synthetic", **kwargs})


def test_load_imdb_accepts_the_smallest_vocabulary(small_pools):
    d = load_imdb(3, source="synthetic")
    np.testing.assert_array_equal(d.x_train[:, 1:], 1)  # start and OOV


def test_load_imdb_memory(tmp_path):
    """Loading the stand-in grows the peak memory by the data (50 MB of uint8
    rows) and the generator's temporaries, not by float copies (float32 rows
    alone would be 200 MB). Measured in a fresh process: ~140 MB."""
    script = (
        "import numpy as np\n"
        "from regbook.data import load_imdb\n"
        "def peak():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmHWM'):\n"
        "            return int(line.split()[1]) / 1024\n"
        "before = peak()\n"
        "d = load_imdb(source='synthetic', condition='default')\n"
        "print(peak() - before)\n"
    )
    if not os.path.exists("/proc/self/status"):
        pytest.skip("needs Linux's /proc to read the peak memory")
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "REGBOOK_CONDITION": ""},
    )
    growth = float(result.stdout.split()[-1])
    assert 50 < growth < 250, f"load_imdb grew the peak memory by {growth} MB"


# ------------------------------------------- reading IMDB (imports Keras)


def rows_and_labels(x, y):
    """The rows of a multi-hot matrix (word indices and values) with their
    labels, as a sorted list: compares two data sets whatever their order."""
    return sorted(
        (tuple(np.flatnonzero(r)), tuple(r[r != 0].tolist()), int(label))
        for r, label in zip(x, np.ravel(y), strict=True)
    )


@pytest.fixture
def keras_reads_fake_imdb(monkeypatch, tmp_path):
    """Both Keras' load_data and load_imdb read a small fake imdb.npz."""
    from keras.src.datasets import imdb as keras_imdb

    path = fake_imdb_file(tmp_path / "imdb.npz", n_train=60, n_test=20, seed=4)
    monkeypatch.setattr(data, "_imdb_file", lambda: path)
    monkeypatch.setattr(keras_imdb, "get_file", lambda *args, **kwargs: path)
    return keras_imdb


def test_imdb_rows_equal_multi_hot_of_keras_load_data(keras_reads_fake_imdb):
    """Reading imdb.npz directly gives exactly the rows (ones, not twos) that
    Keras' load_data leads to, train and validation together."""
    num_words = 200
    d = load_imdb(num_words, source="imdb", condition="default")
    (k_train, ky_train), (k_test, ky_test) = keras_reads_fake_imdb.load_data(
        num_words=num_words
    )
    assert d.x_train.dtype == np.uint8
    assert rows_and_labels(
        np.concatenate([d.x_train, d.x_val]),
        np.concatenate([d.y_train, d.y_val]),
    ) == rows_and_labels(multi_hot(k_train, num_words), ky_train)
    assert rows_and_labels(d.x_test, d.y_test) == rows_and_labels(
        multi_hot(k_test, num_words), ky_test
    )


def test_imdb_sequences_are_keras_load_data(keras_reads_fake_imdb):
    (x, y), (xt, yt), used = load_imdb_sequences(
        200, source="imdb", condition="default"
    )
    (k_train, ky_train), (k_test, ky_test) = keras_reads_fake_imdb.load_data(
        num_words=200
    )
    assert used == "imdb"
    assert [list(r) for r in x] == [list(r) for r in k_train]
    assert [list(r) for r in xt] == [list(r) for r in k_test]
    np.testing.assert_array_equal(y, ky_train)
    np.testing.assert_array_equal(yt, ky_test)


def test_conditions_on_imdb(keras_reads_fake_imdb, capsys):
    """On IMDB: seeds change only the split, hard only flips labels."""
    default = load_imdb(200, source="imdb", condition="default")
    seed_b = load_imdb(200, source="imdb", condition="seed-b")
    assert "Data condition: seed-b" in capsys.readouterr().out
    both = rows_and_labels(
        np.concatenate([default.x_train, default.x_val]),
        np.concatenate([default.y_train, default.y_val]),
    )
    assert both == rows_and_labels(
        np.concatenate([seed_b.x_train, seed_b.x_val]),
        np.concatenate([seed_b.y_train, seed_b.y_val]),
    )
    assert not np.array_equal(default.x_val, seed_b.x_val)
    np.testing.assert_array_equal(default.x_test, seed_b.x_test)
    hard = load_imdb(200, source="imdb", condition="hard")
    np.testing.assert_array_equal(hard.x_train, default.x_train)
    np.testing.assert_array_equal(hard.x_test, default.x_test)
    flips = (hard.y_train != default.y_train).sum() + (
        hard.y_val != default.y_val
    ).sum()
    assert flips == 6 and (hard.y_test != default.y_test).sum() == 2
    vocab = load_imdb(1000, source="imdb", condition="vocab-500")
    assert not vocab.x_train[:, 500:].any()
    assert load_imdb(1000, source="imdb").x_train[:, 500:].any()
    (xs, _), _, _ = load_imdb_sequences(
        1000, source="imdb", condition="vocab-500"
    )
    assert max(max(r) for r in xs) < 500


# ------------------------------------------------- the calibrated regime, fast


def test_book_regime_turns_and_rises():
    """The chapter-1 network on the book's data (1,000 words, 20,000 reviews,
    batch 512): its validation loss turns within a few hundred steps and then
    rises while training accuracy pulls away (the full 20-epoch calibration is
    benchmarks/calibrate_standin.py)."""
    import regbook

    regbook.setup(seed=42)
    import keras

    d = load_imdb(1000, source="synthetic", condition="default")
    keras.utils.clear_session()
    regbook.setup(seed=42)
    model = keras.Sequential(
        [
            keras.Input(shape=(d.num_words,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"]
    )
    history = model.fit(
        d.x_train,
        d.y_train,
        epochs=BOOK_EPOCHS,
        batch_size=512,
        validation_data=(d.x_val, d.y_val),
        verbose=0,
    ).history
    val_loss = np.array(history["val_loss"])
    best = int(np.argmin(val_loss))
    # It turns (not at the first or last epoch) and the last epochs lie above
    # the lowest point on average (one epoch alone can dip on some backends).
    assert 1 <= best <= BOOK_EPOCHS - 2, val_loss
    assert val_loss[-3:].mean() > 1.02 * val_loss[best], val_loss
    assert 0.83 < history["val_accuracy"][best] < 0.89
    # ... while the training loss keeps falling: over-fitting.
    assert history["loss"][-1] < history["loss"][best]
    assert history["accuracy"][-1] > history["val_accuracy"][-1] + 0.01


BOOK_EPOCHS = 10
