"""Data for the book: IMDB reviews, multi-hot vectors and an offline stand-in.

The chapters train on the IMDB movie-review data set :cite:p:`maas2011learning`
as Keras ships it: each review is a list of word indices, most frequent words
first. ``load_imdb`` returns it as multi-hot vectors split into *train*,
*validation* and *test* parts, and keeps the test part out of every tuning
decision.

Where there is no internet (as on the machines that build this book) the loader
falls back to :func:`synthetic_imdb`, a deterministic stand-in of the same
shape, and says so in the cell output. The environment variable ``REGBOOK_DATA``
chooses the source: ``auto`` (the default: IMDB, else the stand-in), ``imdb``
(IMDB or a clear error) or ``synthetic`` (always the stand-in).

This module needs only NumPy; Keras is imported only to download IMDB.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "SOURCES",
    "SOURCE_VARIABLE",
    "DataUnavailableError",
    "TextData",
    "data_source",
    "load_imdb",
    "load_imdb_sequences",
    "multi_hot",
    "synthetic_imdb",
]

#: The environment variable that picks the data source.
SOURCE_VARIABLE = "REGBOOK_DATA"
#: Its allowed values.
SOURCES = ("auto", "imdb", "synthetic")

#: Index conventions of ``keras.datasets.imdb``: 0 pads, 1 starts a review, 2
#: stands for a word outside the ``num_words`` most frequent ones, ranks start
#: at 4.
START, OOV, FIRST_WORD = 1, 2, 4
#: Largest word index in the Keras IMDB data (88,584 distinct words).
IMDB_MAX_INDEX = 88_587
IMDB_TRAIN_SIZE = IMDB_TEST_SIZE = 25_000
CLARITY_A, CLARITY_B = 5.0, 2.0


class DataUnavailableError(RuntimeError):
    """IMDB was asked for explicitly (``REGBOOK_DATA=imdb``) but could not be
    loaded."""


def _check_num_words(num_words: object) -> int:
    if isinstance(num_words, bool) or not isinstance(
        num_words, (int, np.integer)
    ):
        raise TypeError(
            f"num_words must be a positive int, got {type(num_words).__name__} "
            f"({num_words!r})"
        )
    if num_words <= 0:
        raise ValueError(f"num_words must be a positive int, got {num_words}")
    return int(num_words)


def _locate_bad_value(sequences: Sequence[Any]) -> str:
    """Slow path, run only after a failure: say where the first bad value is."""
    for i, seq in enumerate(sequences):
        try:
            items = list(seq)
        except TypeError:
            return (
                f"sequences[{i}] is a {type(seq).__name__}, not a sequence of "
                "word "
                "indices (to encode one review, wrap it in a list)"
            )
        for j, value in enumerate(items):
            if isinstance(value, bool) or not isinstance(
                value, (int, np.integer)
            ):
                return (
                    f"sequences[{i}][{j}] is {value!r} "
                    f"({type(value).__name__}); "
                    "word indices must be integers"
                )
    return "sequences must hold integer word indices"


def multi_hot(
    sequences: Iterable[Sequence[int]] | np.ndarray,
    num_words: int,
    *,
    dtype: Any = np.float32,
) -> np.ndarray:
    r"""Encode reviews as multi-hot vectors: ``out[i, w] = 1`` if word ``w`` is
    in review ``i``.

    This replaces ``Tokenizer.sequences_to_matrix(mode="binary")``, which Keras
    3 removed. It reads the indices into NumPy arrays and sets the ones with
    vectorised assignments, a few thousand reviews at a time (no Python loop per
    review or per word), so it runs close to the speed of merely reading the
    integers.

    Args:
        sequences: One sequence of word indices per review: a list of lists, an
            object array of lists (as ``keras.datasets.imdb`` returns), a list
            of integer arrays, or a 2-D integer array (e.g. padded sequences).
        num_words: Width of the output; every index must lie in ``[0,
            num_words)``.
        dtype: Output dtype (float32 by default, what Keras layers expect).

    Returns:
        An array of shape ``(len(sequences), num_words)`` holding zeros and
        ones. Repeated words count once; an empty review gives a row of zeros.

    Raises:
        TypeError: If ``num_words`` is not an int, or ``sequences`` is not a
            collection of sequences of integers.
        ValueError: If ``num_words`` is not positive or an index is outside
            ``[0, num_words)``.

    Example:
        >>> multi_hot([[1, 3, 3], []], num_words=5)
        array([[0., 1., 0., 1., 0.],
               [0., 0., 0., 0., 0.]], dtype=float32)
    """
    num_words = _check_num_words(num_words)
    if isinstance(sequences, (str, bytes)):
        raise TypeError(
            "sequences must be a collection of sequences, got a string"
        )
    if isinstance(sequences, np.ndarray) and sequences.dtype != object:
        if sequences.ndim != 2 or sequences.dtype.kind not in "iu":
            raise TypeError(
                "sequences given as an array must be 2-D and of integer dtype, "
                "got "
                f"shape {sequences.shape} and dtype {sequences.dtype}"
            )
        _check_range(sequences, num_words)
        out = np.zeros((sequences.shape[0], num_words), dtype=dtype)
        out[np.arange(sequences.shape[0])[:, None], sequences] = 1
        return out
    if not isinstance(sequences, (Sequence, np.ndarray)):
        sequences = list(sequences)
    out = np.zeros((len(sequences), num_words), dtype=dtype)
    # Work through the reviews in chunks, so that the index arrays stay in the
    # CPU cache: about a third faster than one pass over all of IMDB at once.
    for start in range(0, len(sequences), _CHUNK):
        part = sequences[start : start + _CHUNK]
        lengths, flat = _read_indices(part, sequences)
        _check_range(flat, num_words)
        _set_ones(out, flat, lengths, first_row=start)
    return out


def _set_ones(
    out: np.ndarray, index: np.ndarray, lengths: np.ndarray, first_row: int = 0
) -> None:
    """``out[first_row + i, w] = 1`` for every word ``w`` of review ``i``.

    ``index`` holds the reviews' word indices one after another (already checked
    to be in range), ``lengths`` how many belong to each review."""
    num_words = out.shape[1]
    # Linear positions in `out`: the row offset of each review plus the word
    # index.
    offsets = np.arange(
        first_row * num_words, (first_row + len(lengths)) * num_words, num_words
    )
    out.reshape(-1)[index + np.repeat(offsets, lengths)] = 1


#: Reviews handled per chunk by :func:`multi_hot`.
_CHUNK = 2048


def _read_indices(
    part: Sequence[Any], whole: Sequence[Any]
) -> tuple[np.ndarray, np.ndarray]:
    """Lengths of the reviews in ``part`` and all their word indices as one intp
    array."""
    try:
        lengths = np.fromiter(map(len, part), dtype=np.intp, count=len(part))
    except TypeError:
        raise TypeError(_locate_bad_value(whole)) from None
    if len(part) and all(type(seq) is np.ndarray for seq in part):
        flat = np.concatenate([seq.reshape(-1) for seq in part])
        if flat.size and flat.dtype.kind not in "iu":
            raise TypeError(_locate_bad_value(whole))
        return lengths, flat.astype(np.intp)
    # Summing each review is a cheap C loop that fails (str, None, lists) or
    # turns float for any non-integer, which np.fromiter would silently
    # truncate.
    try:
        check = sum(map(sum, part))
    except TypeError:
        raise TypeError(_locate_bad_value(whole)) from None
    if isinstance(check, bool) or not isinstance(check, (int, np.integer)):
        raise TypeError(_locate_bad_value(whole))
    total = int(lengths.sum())
    flat = np.fromiter(
        itertools.chain.from_iterable(part), dtype=np.intp, count=total
    )
    return lengths, flat


def _check_range(indices: np.ndarray, num_words: int) -> None:
    if indices.size:
        low, high = int(indices.min()), int(indices.max())
        if low < 0 or high >= num_words:
            bad = low if low < 0 else high
            raise ValueError(
                f"word index {bad} is outside [0, num_words) = [0, "
                f"{num_words}); "
                "load the data with the same num_words or raise num_words"
            )


def data_source(source: str | None = None) -> str:
    """Resolve the data source: the argument if given, else ``$REGBOOK_DATA``,
    else ``auto``.

    Raises:
        ValueError: If the value is not one of :data:`SOURCES`; the message
            names the argument or the environment variable it came from.
    """
    origin = "source"
    if source is None:
        source = os.environ.get(SOURCE_VARIABLE, "auto") or "auto"
        origin = f"environment variable {SOURCE_VARIABLE}"
    if not isinstance(source, str):
        raise TypeError(f"{origin} must be a str, got {type(source).__name__}")
    value = source.strip().lower()
    if value not in SOURCES:
        raise ValueError(
            f"{origin} must be one of {', '.join(SOURCES)}; got {source!r}"
        )
    return value


def synthetic_imdb(
    num_words: int = 1000,
    *,
    n_train: int = IMDB_TRAIN_SIZE,
    n_test: int = IMDB_TEST_SIZE,
    seed: int = 2011,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """A deterministic stand-in for ``keras.datasets.imdb.load_data``.

    Same shapes and conventions as the real data: 25,000 training and 25,000
    test reviews, each an ordinary list of ints that starts with ``1``; words
    are ranked by frequency from index 4 on, and words outside the ``num_words``
    most frequent become ``2``. Word frequencies follow a Zipf law over IMDB's
    88,584-word vocabulary; review lengths are log-normal (mean about 240
    words). Three hundred words lean positive or negative; each review draws a
    few of them, mostly (not always) from its own side, so the labels are
    learnable but noisy, and a network that sees only the 1,000 most frequent
    words can over-fit as it does on IMDB.

    Args:
        num_words: Keep the ``num_words`` most frequent indices; others become
            ``2``.
        n_train: Number of training reviews.
        n_test: Number of test reviews.
        seed: Seed of the generator; the same seed gives identical data.

    Returns:
        ``((x_train, y_train), (x_test, y_test))`` as ``load_data`` returns
        them: object arrays of lists and integer label arrays of 0s and 1s.
    """
    train, test = _synthetic_flat(
        num_words, n_train=n_train, n_test=n_test, seed=seed
    )
    return _as_lists(*train), _as_lists(*test)


#: A split of the stand-in as flat arrays: all word indices (start markers
#: included), the length of each review in that array, and the labels.
FlatSplit = tuple[np.ndarray, np.ndarray, np.ndarray]


def _synthetic_flat(
    num_words: int, *, n_train: int, n_test: int, seed: int
) -> tuple[FlatSplit, FlatSplit]:
    """The stand-in's reviews as flat arrays (no Python lists: fast, light)."""
    num_words = _check_num_words(num_words)
    for name, value in (("n_train", n_train), ("n_test", n_test)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(
                f"{name} must be an int, got {type(value).__name__}"
            )
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
    rng = np.random.default_rng(seed)

    # Vocabulary: Zipf frequencies over ranks. Every word leans a little towards
    # one side (lean ~ N(0, 0.35**2)); 300 frequent words lean strongly (|lean|
    # = 1.5).
    ranks = np.arange(1, IMDB_MAX_INDEX - FIRST_WORD + 2)
    zipf = 1.0 / (ranks + 2.7) ** 1.07
    lean = rng.normal(0.0, 0.35, ranks.size)
    strong = rng.permutation(np.arange(15, 1500))[:300]
    lean[strong] = np.where(np.arange(300) < 150, 1.5, -1.5)
    # Word distributions of negative and positive reviews. Words outside the
    # vocabulary all become OOV, so they are lumped into one last bin (which
    # keeps sampling fast).
    visible = max(num_words - FIRST_WORD, 0)
    cdfs = []
    for sign in (-1.0, 1.0):
        p = zipf * np.exp(sign * lean)
        p = np.append(p[:visible], p[visible:].sum())
        c = np.cumsum(p)
        cdfs.append(c / c[-1])

    def split(n: int) -> FlatSplit:
        labels = rng.permutation(np.arange(n) % 2)
        lengths = np.clip(rng.lognormal(5.25, 0.65, n), 10, 2400).astype(
            np.intp
        )
        # Each token comes from the review's own side with probability
        # `clarity`, otherwise from the other side: some reviews are mixed or
        # ironic.
        clarity = rng.beta(CLARITY_A, CLARITY_B, n)
        total = int(lengths.sum())
        review = np.repeat(np.arange(n, dtype=np.int32), lengths)
        agrees = rng.random(total) < clarity[review]
        positive = agrees == (labels[review] == 1)
        del agrees, review
        u = rng.random(total)
        bins = np.empty(total, dtype=np.int32)
        bins[positive] = np.searchsorted(cdfs[1], u[positive])
        bins[~positive] = np.searchsorted(cdfs[0], u[~positive])
        del u, positive
        index = (
            np.minimum(bins, visible) + FIRST_WORD
        )  # the lumped bin lands at >= num_words
        index[index >= num_words] = OOV
        # Put the start marker in front of every review.
        starts = (
            np.concatenate(([0], np.cumsum(lengths)[:-1]))
            if n
            else np.zeros(0, np.intp)
        )
        index = np.insert(index, starts, START)
        return index, lengths + 1, labels.astype(np.int64)

    return split(int(n_train)), split(int(n_test))


def _as_lists(
    index: np.ndarray, lengths: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A flat split as ``load_data`` gives it: an object array of int lists."""
    flat = index.tolist()
    bounds = np.concatenate(([0], np.cumsum(lengths))).tolist()
    reviews = np.empty(len(lengths), dtype=object)
    reviews[:] = [flat[a:b] for a, b in itertools.pairwise(bounds)]
    return reviews, labels


def _multi_hot_flat(
    index: np.ndarray, lengths: np.ndarray, num_words: int
) -> np.ndarray:
    """Multi-hot rows from flat word indices and review lengths (indices in
    range)."""
    out = np.zeros((len(lengths), num_words), dtype=np.float32)
    _set_ones(out, index, lengths)
    return out


def _download_imdb(
    num_words: int,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load IMDB through Keras (downloads once, then reads
    ``~/.keras/datasets``)."""
    from keras.datasets import imdb

    return imdb.load_data(num_words=num_words)


#: Where Keras keeps IMDB, and the SHA-256 of that file (both as in
#: ``keras.datasets.imdb``).
IMDB_URL = (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz"
)
IMDB_SHA256 = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"


def _imdb_file() -> str:
    """Path of ``imdb.npz``: downloaded once by Keras, then read from
    ``~/.keras/datasets``."""
    from keras.utils import get_file

    return get_file("imdb.npz", origin=IMDB_URL, file_hash=IMDB_SHA256)


def _imdb_matrices(
    num_words: int,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """IMDB's train and test splits as multi-hot rows, read straight from
    ``imdb.npz``.

    The rows equal ``multi_hot`` of what
    ``keras.datasets.imdb.load_data(num_words)`` returns (a start marker ``1``,
    ranks shifted by 3, rare words as ``2``), in the file's order. Reading the
    file directly avoids the copies of every review that ``load_data`` builds as
    Python lists, which would cost several hundred MB."""
    path = _imdb_file()
    splits = []
    # The file's integrity was checked against IMDB_SHA256 by get_file, so
    # unpickling its object arrays (ragged lists of ranks) is safe.
    with np.load(path, allow_pickle=True) as f:
        for name in ("train", "test"):
            reviews = f[f"x_{name}"]
            lengths = np.fromiter(
                map(len, reviews), dtype=np.intp, count=len(reviews)
            )
            flat = np.fromiter(
                itertools.chain.from_iterable(reviews),
                dtype=np.intp,
                count=int(lengths.sum()),
            )
            del reviews
            flat += FIRST_WORD - 1  # Keras' index_from=3
            flat[flat >= num_words] = OOV
            x = _multi_hot_flat(flat, lengths, num_words)
            x[:, START] = 1  # every review starts with the start marker
            splits.append((x, np.asarray(f[f"y_{name}"], dtype=np.int64)))
    return splits[0], splits[1]


def _from_imdb_or_stand_in(load: Any, chosen: str) -> Any:
    """Run ``load`` (which needs IMDB) and return its result; if IMDB cannot be
    had,
    raise (source ``imdb``) or print the loud note and return ``None``
    (``auto``)."""
    try:
        result = load()
    except Exception as exc:  # no network, no Keras, a broken cache ...
        reason = f"{type(exc).__name__}: {exc}".strip()
        if chosen == "imdb":
            raise DataUnavailableError(
                f"{SOURCE_VARIABLE}=imdb but IMDB could not be loaded "
                f"({reason}). Connect "
                "to the internet once (Keras caches it in ~/.keras/datasets) "
                "or use "
                f"{SOURCE_VARIABLE}=synthetic."
            ) from exc
        print(_NOTE.format(reason=reason.splitlines()[0][:120]))
        return None
    print("Data: IMDB movie reviews from keras.datasets.imdb.")
    return result


_SYNTHETIC_NOTE = (
    "Data: the offline synthetic stand-in for IMDB (REGBOOK_DATA=synthetic)."
)
_NOTE = (
    "NOTE: IMDB could not be downloaded ({reason}).\n"
    "      Using the offline SYNTHETIC stand-in of the same shape instead: the "
    "numbers\n"
    "      below will differ from the real data set. Set REGBOOK_DATA=imdb to "
    "insist on\n"
    "      IMDB, or REGBOOK_DATA=synthetic to silence this note."
)


def load_imdb_sequences(
    num_words: int = 1000, *, source: str | None = None
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], str]:
    """Raw IMDB (or stand-in) reviews as word-index lists, plus which source was
    used.

    Args:
        num_words: Keep the most frequent ``num_words`` word indices.
        source: ``"auto"``, ``"imdb"`` or ``"synthetic"``; ``None`` reads
            ``$REGBOOK_DATA`` (default ``auto``).

    Returns:
        ``((x_train, y_train), (x_test, y_test), used)`` where ``used`` is
        ``"imdb"`` or ``"synthetic"``.

    Raises:
        DataUnavailableError: If the source is ``imdb`` and it cannot be loaded.
    """
    num_words = _check_num_words(num_words)
    chosen = data_source(source)
    if chosen == "synthetic":
        print(_SYNTHETIC_NOTE)
        train, test = synthetic_imdb(num_words)
        return train, test, "synthetic"
    loaded = _from_imdb_or_stand_in(lambda: _download_imdb(num_words), chosen)
    if loaded is None:
        train, test = synthetic_imdb(num_words)
        return train, test, "synthetic"
    train, test = loaded
    return train, test, "imdb"


@dataclass(frozen=True)
class TextData:
    """Multi-hot reviews split three ways. Labels have shape ``(n, 1)``.

    The validation part is carved out of the original training set; the test
    part is the original test set, to be evaluated once, after every choice is
    made."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    num_words: int

    def __repr__(self) -> str:
        return (
            f"TextData(source={self.source!r}, num_words={self.num_words}, "
            f"train={len(self.x_train)}, validation={len(self.x_val)}, "
            f"test={len(self.x_test)})"
        )


def load_imdb(
    num_words: int = 1000,
    *,
    validation_fraction: float = 0.2,
    train_size: int | None = None,
    seed: int = 0,
    source: str | None = None,
) -> TextData:
    """IMDB (or the offline stand-in) as multi-hot train / validation / test
    splits.

    The validation split is a seeded random ``validation_fraction`` of the
    original 25,000 training reviews; the test split is the original test set,
    never used for validation.

    Args:
        num_words: Vocabulary size: the width of the multi-hot vectors.
        validation_fraction: Share of the training reviews held out for
            validation, strictly between 0 and 1.
        train_size: If given, keep only this many training reviews (after the
            validation split), for quick experiments and learning-curve studies.
        seed: Seed of the shuffle that makes the validation split.
        source: ``"auto"``, ``"imdb"`` or ``"synthetic"``; ``None`` reads
            ``$REGBOOK_DATA``.

    Returns:
        A :class:`TextData` with float32 inputs and float32 labels of shape
        ``(n, 1)``.

    Raises:
        TypeError, ValueError: For arguments of the wrong type or range.
        DataUnavailableError: If IMDB is required but cannot be loaded.
    """
    num_words = _check_num_words(num_words)
    if isinstance(validation_fraction, bool) or not isinstance(
        validation_fraction, (int, float)
    ):
        raise TypeError(
            "validation_fraction must be a float, got "
            f"{type(validation_fraction).__name__}"
        )
    if not 0.0 < validation_fraction < 1.0:
        raise ValueError(
            "validation_fraction must lie strictly between 0 and 1, got "
            f"{validation_fraction}"
        )
    if train_size is not None:
        if isinstance(train_size, bool) or not isinstance(
            train_size, (int, np.integer)
        ):
            raise TypeError(
                "train_size must be an int or None, got "
                f"{type(train_size).__name__}"
            )
        if train_size <= 0:
            raise ValueError(f"train_size must be positive, got {train_size}")
    if num_words <= OOV:
        raise ValueError(
            f"num_words must be at least {OOV + 1} for IMDB, got {num_words}"
        )
    chosen = data_source(source)  # validate before any work
    loaded = None
    if chosen == "synthetic":
        print(_SYNTHETIC_NOTE)
    else:
        loaded = _from_imdb_or_stand_in(
            lambda: _imdb_matrices(num_words), chosen
        )
    if loaded is None:
        # The same reviews as load_imdb_sequences gives, without building Python
        # lists.
        (i_all, n_all, y_all), (i_test, n_test, y_test) = _synthetic_flat(
            num_words, n_train=IMDB_TRAIN_SIZE, n_test=IMDB_TEST_SIZE, seed=2011
        )
        x_all = _multi_hot_flat(i_all, n_all, num_words)
        x_test = _multi_hot_flat(i_test, n_test, num_words)
        del i_all, i_test
        used = "synthetic"
    else:
        (x_all, y_all), (x_test, y_test) = loaded
        used = "imdb"
    order = np.random.default_rng(seed).permutation(len(x_all))
    n_val = round(validation_fraction * len(x_all))
    val_idx, train_idx = order[:n_val], order[n_val:]
    if train_size is not None:
        if train_size > len(train_idx):
            raise ValueError(
                f"train_size must be at most {len(train_idx)} (the training "
                "reviews left "
                f"after the validation split), got {train_size}"
            )
        train_idx = train_idx[:train_size]

    def labels(y: np.ndarray) -> np.ndarray:
        return np.asarray(y, dtype=np.float32).reshape(-1, 1)

    return TextData(
        x_train=x_all[train_idx],
        y_train=labels(y_all[train_idx]),
        x_val=x_all[val_idx],
        y_val=labels(y_all[val_idx]),
        x_test=x_test,
        y_test=labels(y_test),
        source=used,
        num_words=num_words,
    )
