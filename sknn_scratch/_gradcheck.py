"""Gradient checking: backpropagation against central finite differences."""

from numbers import Real

import numpy as np


def check_gradients(estimator, X, y, sample_weight=None, eps=1e-6):
    """Compare backpropagation's gradient with central finite differences.

    The gradient is that of the estimator's own objective (``alpha``
    included; see :class:`MLPRegressor`) on ``(X, y)``, at the estimator's
    current weights, computed in float64. Each weight ``w`` is moved to
    ``w + eps`` and ``w - eps`` in turn, and ``(J(w + eps) - J(w - eps)) / (2 eps)``
    is compared with backpropagation's value. The weights are left unchanged.

    Parameters
    ----------
    estimator : MLPRegressor or MLPClassifier
        A fitted estimator, or one made with ``from_weights``.
    X : array-like of shape (n_samples, n_features)
        Inputs.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Targets.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights of the objective.
    eps : float, default=1e-6
        Step of the finite differences, in (0, 1].

    Returns
    -------
    max_relative_error : float
        ``max_j |backprop_j - numeric_j| / max_j max(|backprop_j|, |numeric_j|)``:
        the largest disagreement relative to the largest gradient component,
        so that components that are zero (dead relu units) do not divide by
        zero. Values around 1e-8 or below mean the gradients agree.

    Examples
    --------
    >>> from sknn_scratch import MLPRegressor, check_gradients
    >>> net = MLPRegressor.from_weights([[[1, -1], [1, 1]], [[2], [-1]]],
    ...                                 activation="tanh")
    >>> check_gradients(net, [[2, 3]], [1.0]) < 1e-6
    True
    """
    if not isinstance(eps, Real) or not 0 < eps <= 1:
        raise ValueError(
            f"eps must be a number in (0, 1], the step of the finite differences; got {eps!r}."
        )
    theta, objective = estimator._objective_function(X, y, sample_weight, dtype=np.float64)
    # Non-finite values are reported below, with what to do about them.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        analytic, numeric = _both_gradients(objective, theta, eps)
    if not (np.isfinite(analytic).all() and np.isfinite(numeric).all()):
        raise ValueError(
            "The objective or its gradient is not finite at these weights (or at "
            f"w +/- eps, eps={eps}); gradients cannot be compared. Scale the data "
            "or choose a smaller eps."
        )
    scale = max(np.abs(analytic).max(), np.abs(numeric).max(), np.finfo(float).tiny)
    return float(np.abs(analytic - numeric).max() / scale)


def _both_gradients(objective, theta, eps):
    """Backpropagation's gradient and the central differences, at ``theta``."""
    _, analytic = objective(theta)
    numeric = np.empty_like(theta)
    for j in range(theta.size):
        saved = theta[j]
        theta[j] = saved + eps
        up, _ = objective(theta)
        theta[j] = saved - eps
        down, _ = objective(theta)
        theta[j] = saved
        numeric[j] = (up - down) / (2 * eps)
    return analytic, numeric
