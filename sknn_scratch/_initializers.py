"""Weight initialisation from ``fan_in`` and ``fan_out``: one function each.

Every initialiser draws one layer's weights from the estimator's
``random_state`` and returns ``(coef, intercept)``. ``glorot_uniform`` is
scikit-learn's own, biases included, so the default stays scikit-learn-exact;
the others follow Keras' definitions, with zero biases (Keras'
``bias_initializer="zeros"``). The normal ones draw from a plain (not
truncated) normal distribution with the stated variance.
"""

import numpy as np


def glorot_uniform(fan_in, fan_out, rng, dtype, activation):
    """Draw one layer's weights and biases from U(-b, b).

    ``b = sqrt(factor / (fan_in + fan_out))`` with ``factor = 6`` (Glorot and
    Bengio, 2010), or 2 for the logistic activation, whose slope at 0 is 1/4
    rather than 1, so it needs smaller weights to keep the signal's variance.
    This is scikit-learn's initialisation, biases drawn the same way.

    Parameters
    ----------
    fan_in, fan_out : int
        Units feeding the layer and units in the layer.
    rng : numpy.random.RandomState
        The only source of randomness.
    dtype : numpy dtype
        Dtype of the returned arrays.
    activation : str
        The hidden activation of the network.

    Returns
    -------
    coef : ndarray of shape (fan_in, fan_out)
    intercept : ndarray of shape (fan_out,)
    """
    factor = 2.0 if activation == "logistic" else 6.0
    bound = np.sqrt(factor / (fan_in + fan_out))
    coef = rng.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype, copy=False)
    intercept = rng.uniform(-bound, bound, fan_out).astype(dtype, copy=False)
    return coef, intercept


def _uniform(bound):
    def draw(fan_in, fan_out, rng, dtype):
        return rng.uniform(-bound(fan_in, fan_out), bound(fan_in, fan_out), (fan_in, fan_out))

    return draw


def _normal(variance):
    def draw(fan_in, fan_out, rng, dtype):
        return rng.normal(0.0, np.sqrt(variance(fan_in, fan_out)), (fan_in, fan_out))

    return draw


#: Weight draws of the Keras-style initialisers (biases are zero).
_DRAWS = {
    # N(0, 2 / (fan_in + fan_out)), Glorot and Bengio (2010)
    "glorot_normal": _normal(lambda fan_in, fan_out: 2.0 / (fan_in + fan_out)),
    # U(-sqrt(6 / fan_in), sqrt(6 / fan_in)), He et al. (2015), for relu
    "he_uniform": _uniform(lambda fan_in, fan_out: np.sqrt(6.0 / fan_in)),
    # N(0, 2 / fan_in), He et al. (2015)
    "he_normal": _normal(lambda fan_in, fan_out: 2.0 / fan_in),
    # N(0, 1 / fan_in), LeCun et al. (1998)
    "lecun_normal": _normal(lambda fan_in, fan_out: 1.0 / fan_in),
    # U(-0.05, 0.05): Keras' old default (RandomUniform), as in the classic
    # introduction's PIMA example
    "uniform": _uniform(lambda fan_in, fan_out: 0.05),
}


def initialize(name, fan_in, fan_out, rng, dtype, activation):
    """One layer's ``(coef, intercept)`` drawn by the initialiser ``name``."""
    if name == "glorot_uniform":
        return glorot_uniform(fan_in, fan_out, rng, dtype, activation)
    coef = _DRAWS[name](fan_in, fan_out, rng, dtype).astype(dtype, copy=False)
    return coef, np.zeros(fan_out, dtype=dtype)


#: Every initialiser name users may pass as ``init``.
INITIALIZERS = ("glorot_uniform", *_DRAWS)


def fit_to_data(coefs, intercepts, A, activations, rng, n_points=5):
    """Data-dependent initialisation of the hidden layers, in place.

    RealMLP's (Holzmüller et al., 2024): layer by layer on the rows ``A`` (the
    first dense layer's input), each hidden unit's weights are divided by
    the standard deviation of its pre-activation ``z = A w``, so that every
    unit starts with unit-scale sums whatever the scale of its inputs; its
    bias becomes minus a random convex combination of ``n_points`` rows'
    ``z``, which puts the unit's kink (relu, silu) inside the data instead
    of wherever the random draw left it. The output layer keeps its draw.

    Parameters
    ----------
    coefs, intercepts : list of ndarray
        The drawn weights and biases, changed in place.
    A : ndarray of shape (n_rows, coefs[0].shape[0])
        Training rows as the first dense layer sees them.
    activations : list of str
        The hidden activation of each hidden layer.
    rng : numpy.random.RandomState
        The only source of randomness.
    n_points : int, default=5
        Rows per convex combination.
    """
    from ._activations import HIDDEN_ACTIVATIONS

    A = np.asarray(A, dtype=coefs[0].dtype)
    for W, b, name in zip(coefs[:-1], intercepts[:-1], activations):
        Z = A @ W
        spread = Z.std(axis=0)
        spread[~(spread > 0)] = 1.0  # a unit constant on the data keeps its scale
        W /= spread
        Z /= spread
        units = np.arange(W.shape[1])
        rows = rng.randint(0, A.shape[0], size=(n_points, W.shape[1]))
        mix = rng.dirichlet(np.ones(n_points), size=W.shape[1]).T.astype(Z.dtype)
        b[...] = -(Z[rows, units] * mix).sum(axis=0)
        Z += b
        A = HIDDEN_ACTIVATIONS[name].forward(Z, None)
