"""regbook.grokking by value: the pairs and their split, the training loop
written out step by step (AdamW as Keras updates a weight), the twins, the
defaults pinned, first_step, and every argument check."""

from __future__ import annotations

import contextlib
import dataclasses

import numpy as np
import pytest

from regbook import grokking
from regbook.grokking import (
    first_step,
    modular_pairs,
    train_modular_addition,
)


def test_modular_pairs_by_value():
    a, b, c, train, test = modular_pairs(3, 0.5, seed=0)
    assert a.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert b.tolist() == [0, 1, 2, 0, 1, 2, 0, 1, 2]
    assert c.tolist() == [0, 1, 2, 1, 2, 0, 2, 0, 1]
    assert len(train) == 4 and len(test) == 5  # int(0.5 * 9) = 4
    assert sorted(train.tolist() + test.tolist()) == list(range(9))
    order = np.random.default_rng(0).permutation(9)
    assert train.tolist() == sorted(order[:4].tolist())
    assert modular_pairs(3, 0.5)[3].tolist() == train.tolist()  # seed=0


def test_modular_pairs_checks():
    modular_pairs(2, 0.5)  # the smallest modulus
    with pytest.raises(ValueError, match="modulus"):
        modular_pairs(1, 0.5)
    with pytest.raises(TypeError, match="modulus"):
        modular_pairs(3.0, 0.5)
    with pytest.raises(TypeError, match="modulus"):
        modular_pairs(True, 0.5)
    with pytest.raises(ValueError, match="seed"):
        modular_pairs(3, 0.5, seed=-1)
    assert len(modular_pairs(3, 1 / 9)[3]) == 1  # one training pair
    assert len(modular_pairs(3, 8.5 / 9)[4]) == 1  # one test pair
    for bad in (0.1, 1.0):  # no training pair; no test pair
        with pytest.raises(ValueError, match="train_fraction"):
            modular_pairs(3, bad)
    for bad in (0.0, -0.5, np.nan):
        with pytest.raises(ValueError, match="train_fraction"):
            modular_pairs(3, bad)


def reference(p, hidden, decays, lr, steps, seed, init_scale=1.0):
    """The training loop written out, one network at a time, in float64:
    (train accuracy, test accuracy, weight norm, train loss) per decay."""
    a, b, c, train, test = modular_pairs(p, 0.5, seed)
    rng = np.random.default_rng(seed)
    l1, l2 = np.sqrt(6 / (2 * p + hidden)), np.sqrt(6 / (hidden + p))
    k1 = rng.uniform(-l1, l1, (2 * p, hidden)) * init_scale
    k2 = rng.uniform(-l2, l2, (hidden, p)) * init_scale
    results = []
    for wd in decays:
        w = [k1.copy(), np.zeros(hidden), k2.copy(), np.zeros(p)]
        m = [np.zeros_like(v) for v in w]
        v = [np.zeros_like(x) for x in w]
        x = np.zeros((len(train), 2 * p))
        x[np.arange(len(train)), a[train]] = 1
        x[np.arange(len(train)), p + b[train]] = 1
        y = np.eye(p)[c[train]]
        for t in range(1, steps + 1):
            pre = x @ w[0] + w[1]
            h = np.maximum(pre, 0)
            z = h @ w[2] + w[3]
            prob = np.exp(z - z.max(1, keepdims=True))
            prob /= prob.sum(1, keepdims=True)
            dz = (prob - y) / len(train)
            dpre = dz @ w[2].T * (pre > 0)
            grads = [x.T @ dpre, dpre.sum(0), h.T @ dz, dz.sum(0)]
            alpha = lr * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)
            for i in range(4):
                if i in (0, 2):
                    w[i] = w[i] - lr * wd * w[i]
                m[i] = m[i] + (grads[i] - m[i]) * 0.1
                v[i] = v[i] + (grads[i] ** 2 - v[i]) * 0.001
                w[i] = w[i] - alpha * m[i] / (np.sqrt(v[i]) + 1e-7)
        pre = w[0][a] + w[0][p + b] + w[1]
        z = np.maximum(pre, 0) @ w[2] + w[3]
        norm = np.sqrt((w[0] ** 2).sum() + (w[2] ** 2).sum())
        shifted = z[train] - z[train].max(1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
        results.append(
            (
                (z[train].argmax(1) == c[train]).mean(),
                (z[test].argmax(1) == c[test]).mean(),
                norm,
                -log_p[np.arange(len(train)), c[train]].mean(),
            )
        )
    return np.array(results)


def test_training_matches_the_loop_written_out():
    run = train_modular_addition(
        5, 6, (0.0, 3.0), learning_rate=0.05, steps=7, every=7, seed=2
    )
    expected = reference(5, 6, (0.0, 3.0), 0.05, 7, seed=2)
    assert run.steps.tolist() == [0, 7]
    np.testing.assert_allclose(run.train_accuracy[:, -1], expected[:, 0])
    np.testing.assert_allclose(run.test_accuracy[:, -1], expected[:, 1])
    np.testing.assert_allclose(
        run.weight_norm[:, -1], expected[:, 2], rtol=1e-5
    )
    assert run.weight_norm[0, -1] != run.weight_norm[1, -1]
    np.testing.assert_allclose(run.train_loss[:, -1], expected[:, 3], rtol=1e-5)
    start = reference(5, 6, (0.0, 3.0), 0.05, 0, seed=2)  # no step: the start
    np.testing.assert_allclose(run.train_loss[:, 0], start[:, 3], rtol=1e-5)


def test_twins_and_the_start():
    run = train_modular_addition(5, 6, (1.0, 1.0, 0.0), steps=3, every=1)
    np.testing.assert_array_equal(run.weight_norm[0], run.weight_norm[1])
    np.testing.assert_array_equal(run.weight_norm[:, 0], run.weight_norm[2, 0])
    assert run.steps.tolist() == [0, 1, 2, 3]
    assert run.weight_decays.tolist() == [1.0, 1.0, 0.0]
    # the loss at the start is that of the initial logits
    assert run.train_loss.shape == (3, 4)
    assert np.all(run.train_loss[:, -1] < run.train_loss[:, 0])


def test_steps_recorded_every():
    run = train_modular_addition(3, 2, (0.0,), steps=5, every=2)
    assert run.steps.tolist() == [0, 2, 4]  # step 5 is not a multiple
    assert run.test_accuracy.shape == (1, 3)


def test_defaults_are_pinned():
    fast = dict(steps=3, every=3)
    implicit = train_modular_addition(**fast)
    explicit = train_modular_addition(
        23,
        64,
        (0.0, 1.0),
        learning_rate=1e-2,
        train_fraction=0.5,
        seed=0,
        init_scale=1.0,
        **fast,
    )
    for name in ("train_accuracy", "test_accuracy", "weight_norm"):
        np.testing.assert_array_equal(
            getattr(implicit, name), getattr(explicit, name)
        )
    slow = train_modular_addition(3, 2, (0.0,), every=2000)  # default steps
    assert slow.steps.tolist() == [0, 2000]  # steps=2000, every 2000
    assert train_modular_addition(3, 2, (0.0,), steps=50).steps[-1] == 50
    assert len(train_modular_addition(3, 2, (0.0,), steps=100).steps) == 3


def test_init_scale_scales_the_start():
    one = train_modular_addition(5, 4, (0.0,), steps=1, init_scale=1.0)
    two = train_modular_addition(5, 4, (0.0,), steps=1, init_scale=2.0)
    np.testing.assert_allclose(two.weight_norm[0, 0], 2 * one.weight_norm[0, 0])


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        (dict(modulus=1), ValueError, "modulus"),
        (dict(hidden=0), ValueError, "hidden"),
        (dict(hidden=2.0), TypeError, "hidden"),
        (dict(steps=0), ValueError, "steps"),
        (dict(every=0), ValueError, "every"),
        (dict(learning_rate=0.0), ValueError, "learning_rate"),
        (dict(learning_rate=np.inf), ValueError, "learning_rate"),
        (dict(learning_rate="0.1"), TypeError, "learning_rate"),
        (dict(init_scale=-1.0), ValueError, "init_scale"),
        (dict(weight_decays=()), ValueError, "weight_decays"),
        (dict(weight_decays=(1.0, -1e-9)), ValueError, "weight_decays"),
        (dict(weight_decays=(np.nan,)), ValueError, "weight_decays"),
        (dict(weight_decays=[[1.0]]), ValueError, "weight_decays"),
    ],
)
def test_arguments_are_checked(kwargs, error, name):
    settings = dict(modulus=3, hidden=2, steps=1) | kwargs
    with pytest.raises(error, match=name):
        train_modular_addition(**settings)


def test_smallest_valid_arguments():
    run = train_modular_addition(2, 1, (0.0,), steps=1, every=1)
    assert run.steps.tolist() == [0, 1]


def test_first_step_by_value():
    assert first_step([0, 10, 20], [0.1, 0.5, 0.9], 0.5) == 10
    assert first_step([0, 10, 20], [0.1, 0.49, 0.9], 0.5) == 20
    assert first_step([0, 10], [0.1, 0.2], 0.5) is None
    assert first_step([0, 10], [0.7, 0.2], 0.5) == 0
    with pytest.raises(ValueError, match="steps and values"):
        first_step([0, 10], [0.1], 0.5)


# Mutation survivors (benchmarks/mutation/results.md): each test below pins a
# behaviour that a planted bug changed without any test noticing.


def test_modular_pairs_default_fraction_is_a_half():
    *_, train, test = modular_pairs(4)
    assert len(train) == 8 and len(test) == 8
    assert train.tolist() == modular_pairs(4, 0.5, seed=0)[3].tolist()


def test_modular_pairs_rejects_a_fraction_above_one():
    with pytest.raises(ValueError, match=r"train_fraction.*got 1\.5"):
        modular_pairs(3, 1.5)
    # 17 * 17 = 289 pairs, all for training: none left for the test set
    with pytest.raises(ValueError, match="train_fraction"):
        modular_pairs(17, 1.0)
    assert len(modular_pairs(17, 288.5 / 289)[4]) == 1


def test_grok_run_is_frozen():
    run = train_modular_addition(3, 2, (0.0,), steps=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.steps = np.arange(3)


def test_default_steps_are_2000():
    run = train_modular_addition(3, 2, (0.0,), every=667)
    assert run.steps.tolist() == [0, 667, 1334]  # 2001 would add 2001


def test_modulus_is_checked_first():
    # a modulus of 1 is named even when another argument is wrong too
    for other in (dict(hidden=0), dict(weight_decays=())):
        with pytest.raises(ValueError, match="modulus must be at least 2"):
            train_modular_addition(1, steps=1, **(dict(hidden=2) | other))


def test_weight_decays_must_be_a_sequence():
    with pytest.raises(ValueError, match="weight_decays"):
        train_modular_addition(3, 2, 0.5, steps=1)


def test_training_with_huge_logits():
    # init_scale 100 makes logits of order 10^4: exp overflows float32 unless
    # the largest logit is subtracted first, in the loss and in the gradient
    run = train_modular_addition(
        5, 4, (0.0, 1.0), steps=2, every=1, seed=3, init_scale=100.0
    )
    for steps in (0, 1, 2):
        expected = reference(5, 4, (0.0, 1.0), 1e-2, steps, 3, init_scale=100.0)
        assert np.all(np.isfinite(run.train_loss[:, steps]))
        np.testing.assert_allclose(
            run.train_loss[:, steps], expected[:, 3], rtol=1e-4
        )
        np.testing.assert_allclose(
            run.weight_norm[:, steps], expected[:, 2], rtol=1e-5
        )


def test_training_past_step_692():
    # past t = 692, 0.999^t < 1/2: Adam's bias correction sqrt(1 - 0.999^t)
    # is pinned by the loop written out
    run = train_modular_addition(
        3, 2, (0.0, 0.5), learning_rate=0.01, steps=720, every=720, seed=1
    )
    expected = reference(3, 2, (0.0, 0.5), 0.01, 720, seed=1)
    np.testing.assert_allclose(
        run.weight_norm[:, -1], expected[:, 2], rtol=1e-5
    )
    np.testing.assert_allclose(run.train_loss[:, -1], expected[:, 3], rtol=1e-4)


def test_training_limits_blas_to_one_thread(monkeypatch):
    # the matrices are small: BLAS threads only add overhead (and would take
    # the cores of anything running beside the book)
    calls = []

    @contextlib.contextmanager
    def recorder(**kwargs):
        calls.append(kwargs)
        yield

    monkeypatch.setattr(grokking, "threadpool_limits", recorder)
    train_modular_addition(3, 2, (0.0,), steps=1)
    assert calls == [dict(limits=1, user_api="blas")]


def test_first_step_rejects_more_values_than_steps():
    with pytest.raises(ValueError, match="steps and values must match"):
        first_step([0, 10], [0.1, 0.2, 0.9], 0.5)
