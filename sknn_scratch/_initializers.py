"""Weight initialisation from ``fan_in`` and ``fan_out``."""

import numpy as np


def glorot_uniform(fan_in, fan_out, rng, dtype, activation):
    """Draw one layer's weights and biases from U(-b, b).

    ``b = sqrt(factor / (fan_in + fan_out))`` with ``factor = 6`` (Glorot and
    Bengio, 2010), or 2 for the logistic activation, whose slope at 0 is 1/4
    rather than 1, so it needs smaller weights to keep the signal's variance.

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
