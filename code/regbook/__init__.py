"""regbook: the companion package of the book on weight regularization.

Importing :mod:`regbook` is cheap and never imports TensorFlow, so it can (and
should) come first in a notebook::

    import regbook

    regbook.setup(seed=42)  # seeds, determinism, quiet TensorFlow logs

Modules:

* :mod:`regbook.notebook` -- :func:`~regbook.notebook.setup`, the first call of
  every chapter.
* :mod:`regbook.data` -- IMDB loading, :func:`~regbook.data.multi_hot`, the
  offline stand-in.
* :mod:`regbook.toy` -- noisy samples of a known curve and least-squares
  polynomials.
* :mod:`regbook.penalties` -- NumPy reference values and gradients of L1, L2 and
  L1+L2.
* :mod:`regbook.numpy_net` -- a small network trained by hand-written
  backpropagation.
* :mod:`regbook.experiments` -- sweeps over factors and seeds, validation-only
  selection, a guarded test set (NumPy only).
* :mod:`regbook.conventions` -- Keras' factor conventions, their conversions and
  the ridge closed form.
* :mod:`regbook.plots` -- learning curves and other figures.
* :mod:`regbook.models` -- Keras model builders (imports Keras when used).
* :mod:`regbook.callbacks` -- Keras callbacks, e.g. the weight sizes per epoch
  (imports Keras).
* :mod:`regbook.linear` -- early stopping, ridge and noisy inputs on a linear
  model, in closed form (NumPy only).
* :mod:`regbook.side_by_side` -- many small Keras networks trained side by side
  as one model, restarted per seed (imports Keras).
* :mod:`regbook.implicit` -- the modified flow that gradient descent follows, on
  a two-weight toy (NumPy only).
* :mod:`regbook.grokking` -- modular addition learnt by a small network with
  AdamW, in NumPy.
* :mod:`regbook.adam_grid` -- many small ReLU networks trained with Keras' Adam
  + L2 or AdamW update, in NumPy.
* :mod:`regbook.evidence` -- the evidence of a ridge model, to choose its factor
  without validation data (NumPy only).
"""

from regbook.notebook import glue, setup

__all__ = ["__version__", "glue", "setup"]

__version__ = "0.1.0"
