"""regbook.numpy_net's Barzilai-Borwein solver, step by step, against a plain
re-implementation of its docstring for one model (SpaRSA: proximal gradient
steps of size s's / s'g, a non-monotone line search)."""

from __future__ import annotations

import numpy as np
import pytest

from regbook.numpy_net import _barzilai_borwein_steps


def _loss(x, y, w, b, l1, l2):
    z = x @ w + b
    data = np.mean(np.logaddexp(0.0, z) - y * z)
    return data + l1 * np.abs(w).sum() + l2 * np.square(w).sum()


def _gradient(x, y, w, b, l2):
    r = (1.0 / (1.0 + np.exp(-(x @ w + b))) - y) / len(x)
    return x.T @ r + 2 * l2 * w, r.sum()


def _shrink(z, tau):
    return np.sign(z) * np.maximum(np.abs(z) - tau, 0.0)


def _reference(x, y, l1, l2, safe, steps, memory=10):
    """One model, written from the docstring; also returns the step sizes
    tried, to show what the test exercises."""
    w, b = np.zeros(x.shape[1]), 0.0
    gw, gb = _gradient(x, y, w, b, l2)
    recent = [_loss(x, y, w, b, l1, l2)]
    size, tried = safe, []
    for _ in range(steps):
        reference = max(recent)
        while True:
            tried.append(size)
            w_new = _shrink(w - size * gw, size * l1)
            b_new = b - size * gb
            loss = _loss(x, y, w_new, b_new, l1, l2)
            moved = np.sum((w_new - w) ** 2) + (b_new - b) ** 2
            if loss <= reference - 1e-4 / (2 * size) * moved or size <= safe:
                break
            size = max(size / 4, safe)
        gw_new, gb_new = _gradient(x, y, w_new, b_new, l2)
        s = np.append(w_new - w, b_new - b)
        g = np.append(gw_new - gw, gb_new - gb)
        w, b, gw, gb = w_new, b_new, gw_new, gb_new
        if s @ g > 0:
            size = float(np.clip(s @ s / (s @ g), safe, 1e6 * safe))
        recent = [*recent[-(memory - 1) :], loss]
    return w, b, tried


@pytest.mark.parametrize("l1", [0.0, 0.02])
def test_every_step_follows_the_barzilai_borwein_rule(l1):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(40, 3)) + np.array([2.0, -1.0, 0.5])  # off-centre
    y = (x @ np.array([1.0, -2.0, 0.5]) + rng.normal(size=40) > 0) * 1.0
    l2, safe, steps = 0.05, 0.05, 6
    want_w, want_b, tried = _reference(x, y, l1, l2, safe, steps)
    # the run exercises what it checks: step sizes other than the safe one
    assert any(t > 2 * safe for t in tried)
    got_w, got_b = _barzilai_borwein_steps(
        x,
        y,
        np.array([l1]),
        np.array([l2]),
        np.array([safe]),
        steps,
        None,
    )
    np.testing.assert_allclose(got_w[:, 0], want_w, rtol=1e-10, atol=1e-14)
    assert got_b[0] == pytest.approx(want_b, rel=1e-10, abs=1e-14)


def test_a_step_is_taken_only_with_the_stated_decrease():
    # a problem (found by search) whose fifth step (t about 200) clears the
    # threshold by only about 2e4 times the margin 1e-4 / (2 t) * moved: a
    # margin that grew with t instead of shrinking would refuse that step
    rng = np.random.default_rng(300)
    d, n = rng.integers(1, 4), rng.integers(5, 30)
    x = rng.normal(size=(n, d)) * rng.uniform(0.5, 4) + rng.normal(size=d) * 2
    y = (rng.random(n) < 0.5) * 1.0
    l2, safe = 0.01, 0.1726541765195684
    want_w, want_b, _ = _reference(x, y, 0.0, l2, safe, 8)
    got_w, got_b = _barzilai_borwein_steps(
        x, y, np.zeros(1), np.array([l2]), np.array([safe]), 8, None
    )
    np.testing.assert_allclose(got_w[:, 0], want_w, rtol=1e-10, atol=1e-14)
    assert got_b[0] == pytest.approx(want_b, rel=1e-10, abs=1e-14)
