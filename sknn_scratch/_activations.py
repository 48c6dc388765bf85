"""Activation functions and their derivatives, side by side.

Every forward function works in place on the pre-activation ``Z = A @ W + b``
of a layer and returns it. Every derivative function multiplies ``delta``
(the gradient of the objective with respect to the layer's output ``A``) in
place by ``f'(Z)``. That turns ``delta`` into the gradient with respect to
``Z``. The derivative is written in terms of ``A = f(Z)``, so ``Z`` need not
be kept.

In training, both functions also get ``work``, a buffer shaped like the
layer. It is private to that layer and batch: the forward pass may leave
something in it for the derivative (relu leaves its 0/1 mask), and the
derivative may use it as scratch. ``work=None`` (prediction) needs no
buffer.
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from scipy.special import expit


class Activation(NamedTuple):
    """A hidden activation: ``forward(Z, work=None)``, ``derivative(A, delta, work)``."""

    forward: Callable
    derivative: Callable


def identity(Z, work=None):
    """f(z) = z."""
    return Z


def identity_derivative(A, delta, work):
    """f'(z) = 1: delta is already the gradient with respect to Z."""


def logistic(Z, work=None):
    """f(z) = 1 / (1 + exp(-z)); ``expit`` never overflows."""
    return expit(Z, out=Z)


def logistic_derivative(A, delta, work):
    """f'(z) = f(z) (1 - f(z)) = A (1 - A)."""
    np.subtract(1, A, out=work)
    work *= A
    delta *= work


def tanh(Z, work=None):
    """f(z) = tanh(z)."""
    return np.tanh(Z, out=Z)


def tanh_derivative(A, delta, work):
    """f'(z) = 1 - tanh(z)^2 = 1 - A^2."""
    np.multiply(A, A, out=work)
    np.subtract(1, work, out=work)
    delta *= work


def relu(Z, work=None):
    """f(z) = max(z, 0).

    In training the 0/1 mask ``z > 0`` goes to ``work`` and ``Z`` is
    multiplied by it. That is faster than ``np.maximum``, and it leaves the
    derivative ready for the backward pass.
    """
    if work is None:
        return np.maximum(Z, 0, out=Z)
    np.greater(Z, 0, out=work)
    Z *= work
    return Z


def relu_derivative(A, delta, work):
    """f'(z) = 1 where z > 0, else 0: the mask relu left in ``work``."""
    delta *= work


def softmax(Z):
    """f(z)_k = exp(z_k) / sum_j exp(z_j), row by row.

    Subtracting the row maximum first leaves the result unchanged and keeps
    every exponent <= 0, so ``exp`` cannot overflow.
    """
    # Where a row spans more than the dtype's range the subtraction gives
    # -inf, whose exp is exactly the 0 it should be: not worth a warning.
    with np.errstate(over="ignore"):
        Z -= Z.max(axis=1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=1, keepdims=True)
    return Z


def exp(Z):
    """f(z) = exp(z), the inverse of the log link of the Poisson loss.

    ``z`` is first capped at the log of the dtype's largest finite value, so
    the result never overflows to infinity (nor warns about it).
    """
    np.minimum(Z, _LOG_MAX[Z.dtype], out=Z)
    return np.exp(Z, out=Z)


# log(largest finite value), rounded down so that its exp stays finite
# (log(float32 max) rounds up to a float32 whose exp overflows).
_LOG_MAX = {
    np.dtype(dtype): np.nextafter(np.asarray(np.log(np.finfo(dtype).max), dtype=dtype), 0)
    for dtype in (np.float32, np.float64)
}


#: Hidden-layer activations, keyed by the strings users pass as ``activation``.
HIDDEN_ACTIVATIONS = {
    "identity": Activation(identity, identity_derivative),
    "logistic": Activation(logistic, logistic_derivative),
    "tanh": Activation(tanh, tanh_derivative),
    "relu": Activation(relu, relu_derivative),
}

#: Largest ``|f(z)|`` of the activations bounded whatever ``z`` is. Every
#: other hidden activation here satisfies ``|f(z)| <= |z|``, which is all the
#: divergence check (``_network.output_bound``) needs to know about it.
BOUNDED_ACTIVATIONS = {"logistic": 1.0, "tanh": 1.0}

#: Output activations (inverse link functions), keyed by ``out_activation_``.
OUTPUT_ACTIVATIONS = {
    "identity": identity,
    "logistic": logistic,
    "softmax": softmax,
    "exp": exp,
}
