"""Activation functions and their derivatives, side by side, and the layers
that apply them (:class:`HiddenActivation`, :class:`ParametricActivation`).

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
from scipy.special import expit, ndtr

from ._protocol import Layer


class Activation(NamedTuple):
    """Everything about a hidden activation, in one record.

    ``forward(Z, work=None)`` and ``derivative(A, delta, work)`` (see the
    module docstring). ``bound``: the largest ``|f(z)|`` whatever ``z`` is
    (infinite for an unbounded one); ``offset``: the ``c`` with ``|f(z)| <=
    |z| + c`` for every ``z``. Together they are all the divergence guard's
    bound (``Network.output_bound``) needs to know. ``onnx``: the ONNX
    operator that computes it (``"Relu"``), or the name of the sub-graph
    that :mod:`sknn_scratch.onnx` builds for it (``"silu"``).
    """

    forward: Callable
    derivative: Callable
    onnx: str
    bound: float = np.inf
    offset: float = 0.0


def identity(Z, work=None):
    """f(z) = z."""
    return Z


def identity_derivative(A, delta, work):
    """f'(z) = 1: delta is already the gradient with respect to Z."""


def logistic(Z, work=None):
    """f(z) = 1 / (1 + exp(-z)); ``expit`` never overflows.

    In training, f'(z) = f(z) (1 - f(z)) goes to ``work``.
    """
    A = expit(Z, out=Z)
    if work is not None:
        np.subtract(1, A, out=work)
        work *= A
    return A


def tanh(Z, work=None):
    """f(z) = tanh(z); in training, f'(z) = 1 - tanh(z)^2 goes to ``work``."""
    A = np.tanh(Z, out=Z)
    if work is not None:
        np.multiply(A, A, out=work)
        np.subtract(1, work, out=work)
    return A


def relu(Z, work=None):
    """f(z) = max(z, 0).

    ``np.maximum`` against an array of zeros (see ``_zeros_like``): NumPy's
    vectorised loop for two arrays is about 3x faster than the one for an
    array and a scalar (30 against 86 us on 4,096 x 64 float32). In
    training the 0/1 mask ``z > 0`` goes to ``work`` (see ``_relu_mask``),
    which leaves the derivative ready for the backward pass; small layers
    keep it as floats and multiply by it, which is as fast there.
    """
    if work is None:
        return np.maximum(Z, _zeros_like(Z), out=Z)
    mask = _relu_mask(work)
    np.greater(Z, 0, out=mask)
    if mask is work:
        Z *= mask
    else:
        np.maximum(Z, _zeros_like(Z), out=Z)
    return Z


def relu_derivative(A, delta, work):
    """f'(z) = 1 where z > 0, else 0: the mask relu left in ``work``."""
    delta *= _relu_mask(work)


def _relu_mask(work):
    """Where relu keeps its mask: ``work`` itself (0.0 and 1.0) for small
    layers; from ``_BOOL_MASK_SIZE`` values on, booleans in ``work``'s first
    bytes.

    A boolean mask writes and reads a quarter (float32) or an eighth
    (float64) of the bytes, and leaves the rest of ``work`` untouched, but
    multiplying by it casts each value. Measured in whole fits: 1.2% (float32)
    and 6% (float64) faster at (1024, 1024) with batches of 2,000, 1.5% at
    (512, 512) with batches of 1,000 in float64; 20% slower at (64, 64)
    with batches of 200, where the arrays stay in the cache.
    """
    if work.size < _BOOL_MASK_SIZE:
        return work
    return work.reshape(-1).view(np.bool_)[: work.size].reshape(work.shape)


def _zeros_like(Z):
    """Zeros shaped like (contiguous) ``Z``, without allocating: a view of one
    buffer per dtype that is never written. Its pages all map the system's
    zero page, so reading it costs no memory traffic."""
    zeros = _ZEROS.get(Z.dtype)
    if zeros is None or zeros.size < Z.size:
        zeros = np.zeros(max(Z.size, 1 << 16), dtype=Z.dtype)
        zeros.flags.writeable = False
        _ZEROS[Z.dtype] = zeros
    return zeros[: Z.size].reshape(Z.shape)


_ZEROS = {}
_BOOL_MASK_SIZE = 1 << 18


def leaky_relu(Z, work=None):
    """f(z) = z for z > 0, else 0.01 z: relu that keeps a small slope."""
    slope = _slopes(Z, _LEAK) if work is None else _slopes(Z, _LEAK, out=work)
    Z *= slope
    return Z


def slope_derivative(A, delta, work):
    """f'(z), left in ``work`` by the forward pass (every activation but the
    identity does so): one multiply. ``A`` is not needed, which is what lets
    dropout scale ``A`` after the activation."""
    delta *= work


_LEAK = 0.01


def _slopes(Z, leak, out=None):
    """1 where z > 0, else ``leak``."""
    out = np.empty_like(Z) if out is None else out
    np.greater(Z, 0, out=out)
    out *= 1 - leak
    out += leak
    return out


def elu(Z, work=None):
    """f(z) = z for z > 0, else exp(z) - 1 (Clevert et al., 2015).

    f'(z) = 1 for z > 0, else exp(z). ``expm1`` of ``min(z, 0)`` never
    overflows and keeps precision near 0.
    """
    negative = np.minimum(Z, 0)
    if work is not None:
        np.exp(negative, out=work)
        work[Z > 0] = 1
    np.expm1(negative, out=negative)
    np.copyto(Z, negative, where=Z <= 0)
    return Z


def gelu(Z, work=None):
    """f(z) = z Phi(z), Phi the standard normal CDF (Hendrycks and Gimpel, 2016).

    f'(z) = Phi(z) + z phi(z). phi is evaluated at z clipped to [-40, 40],
    where it is already 0 to double precision, so z^2 cannot overflow.
    """
    cdf = ndtr(Z)
    if work is not None:
        clipped = np.clip(Z, -40, 40)
        np.multiply(clipped, np.exp(-0.5 * clipped * clipped) / np.sqrt(2 * np.pi), out=work)
        work += cdf
    Z *= cdf
    return Z


def silu(Z, work=None):
    """f(z) = z sigma(z), sigma the logistic function ("swish").

    sigma is computed as ``(1 + tanh(z / 2)) / 2``, the same function:
    NumPy's vectorised ``tanh`` on float32 takes half the time of ``exp``
    and needs no guard against overflow, which makes the whole call about
    twice as fast as ``1 / (1 + exp(-z))`` (66 against 120 us on
    1,571 x 64; ``reciprocal`` is slow too). The values agree with that
    formula to the dtype's rounding in absolute terms (below ``1e-6`` in
    float32 for ``|z|`` up to 100); where sigma is below the dtype's
    resolution next to 1/2 (z below about -17 in float32, -37 in float64)
    it is 0, so f(z) = -0 where the exact value is smaller than the
    rounding of an ordinary one. ``z = +inf`` gives ``inf``, ``z = -inf``
    and NaN give NaN.
    In training, f'(z) = sigma(z) + z sigma(z) (1 - sigma(z)) =
    sigma (1 - A) + A, with A = f(z), goes to ``work``.
    """
    sigma = np.empty_like(Z) if work is None else work
    np.multiply(Z, 0.5, out=sigma)
    np.tanh(sigma, out=sigma)
    sigma *= 0.5
    sigma += 0.5
    Z *= sigma
    if work is not None:
        work *= 1 - Z
        work += Z
    return Z


def softplus(Z, work=None):
    """f(z) = log(1 + exp(z)), computed as ``logaddexp(0, z)``; f'(z) = sigma(z)."""
    if work is not None:
        expit(Z, out=work)
    return np.logaddexp(0, Z, out=Z)


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
#: Every hidden activation is one entry, keyed by the string users pass as
#: ``activation``; the parameter's options, the layers, the divergence
#: guard, the ONNX export and the docs' tables read it.
HIDDEN_ACTIVATIONS = {
    "identity": Activation(identity, identity_derivative, "identity"),
    "logistic": Activation(logistic, slope_derivative, "Sigmoid", bound=1.0, offset=0.5),
    "tanh": Activation(tanh, slope_derivative, "Tanh", bound=1.0),
    "relu": Activation(relu, relu_derivative, "Relu"),
    "leaky_relu": Activation(leaky_relu, slope_derivative, "leaky_relu"),
    "elu": Activation(elu, slope_derivative, "elu"),
    "gelu": Activation(gelu, slope_derivative, "gelu"),
    "silu": Activation(silu, slope_derivative, "silu"),
    "softplus": Activation(softplus, slope_derivative, "softplus", offset=float(np.log(2.0))),
}

#: Output activations (inverse link functions), keyed by ``out_activation_``.
OUTPUT_ACTIVATIONS = {
    "identity": identity,
    "logistic": logistic,
    "softmax": softmax,
    "exp": exp,
}


def per_layer(activation, n_hidden):
    """The activation of each hidden layer: ``activation`` is one name for
    all of them, or a sequence of names, one per hidden layer."""
    if isinstance(activation, str):
        return [activation] * n_hidden
    return list(activation)


# ------------------------------------------------------------------ the layers


class HiddenActivation(Layer):
    """``out = f(A)`` elementwise, in place; backward ``delta * f'(.)``.

    ``f`` and ``f'`` come from :data:`HIDDEN_ACTIVATIONS`.
    In training the forward pass leaves what the derivative needs in
    ``slot.work``; in prediction (``slot.work`` None) it keeps nothing.
    """

    kind = "activation"
    activates = True

    def __init__(self, name, units):
        self.name, self.units = name, units

    @property
    def function(self):
        """``f`` and ``f'``, from the registry (a saved layer holds the name)."""
        return HIDDEN_ACTIVATIONS[self.name]

    def parameter_shapes(self):
        return ()

    def slot_shapes(self):
        return {"work": self.units}

    def forward(self, A, params, slot):
        return self.function.forward(A, slot.work)

    def backward(self, A, out, delta, params, grads, slot):
        self.function.derivative(out, delta, slot.work)
        return delta

    def bound(self, value_bound, params, scratch=None):
        # |f(z)| <= |z| + offset, or bounded outright (logistic, tanh).
        return min(value_bound + self.function.offset, self.function.bound)


class ParametricActivation(HiddenActivation):
    """``out = z + a * (f(z) - z)``: the activation ``f`` mixed with the
    identity by a learned ``a`` per unit, starting at 1 (plain ``f``).

    RealMLP's parametric activation: a unit whose nonlinearity does not
    help can move towards linear (``a -> 0``), or sharpen (``a > 1``).
    With ``g = f(z) - z`` kept from the forward pass::

        dJ/da = sum_i delta_i * g_i        dJ/dz = delta * (1 - a) + a * delta * f'(z)

    ``f'`` is what :data:`~sknn_scratch._activations.HIDDEN_ACTIVATIONS`'
    derivative leaves, as for :class:`HiddenActivation`.
    """

    kind = "parametric"

    def parameter_shapes(self):
        return (("activation", (self.units,)),)

    def initial_parameters(self, rng, dtype):
        return (np.ones(self.units, dtype=dtype),)  # a = 1: plain f

    def slot_shapes(self):
        return {"out": self.units, "work": self.units, "kept": self.units}

    def forward(self, A, params, slot):
        a = params[0]
        out = slot.out if slot.out is not None else np.empty_like(A)
        out[...] = A  # z
        fz = self.function.forward(A, slot.work)  # in place: A is f(z) now
        g = fz if slot.kept is None else slot.kept
        np.subtract(fz, out, out=g)  # g = f(z) - z
        if slot.kept is not None:
            np.multiply(g, a, out=A)
            out += A
        else:
            g *= a
            out += g
        return out

    def backward(self, A, out, delta, params, grads, slot):
        a = params[0]
        np.einsum("ij,ij->j", delta, slot.kept, out=grads[0])
        scaled = np.multiply(delta, a, out=A)  # A (the layer's input) is free now
        self.function.derivative(None, scaled, slot.work)  # a * delta * f'(z)
        delta *= 1 - a
        delta += scaled
        return delta

    def bound(self, value_bound, params, scratch=None):
        # |z + a (f(z) - z)| <= |1 - a| |z| + |a| |f(z)|.
        a = np.abs(params[0])
        f_bound = min(value_bound + self.function.offset, self.function.bound)
        rest = float(np.abs(1 - params[0]).max(initial=0.0))
        return rest * value_bound + float(a.max(initial=0.0)) * f_bound
