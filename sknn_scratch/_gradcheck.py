"""Gradient checking: backpropagation against central finite differences."""

from numbers import Real

import numpy as np


def check_gradients(estimator, X, y, sample_weight=None, eps=1e-6, *, per_parameter=False):
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
    per_parameter : bool, default=False
        Return the comparison of every weight and bias (a
        ``GradientComparison``), not only the largest error, so that a
        wrong gradient can be traced to the parameter it belongs to.

    Returns
    -------
    max_relative_error : float
        ``max_j |backprop_j - numeric_j| / max_j max(|backprop_j|, |numeric_j|)``:
        the largest disagreement relative to the largest gradient component,
        so that components that are zero (dead relu units) do not divide by
        zero. Values around 1e-8 or below mean the gradients agree.
    comparison : GradientComparison
        With ``per_parameter=True``: every parameter's name, backpropagation's
        and the finite differences' values, and its error relative to the
        largest component; ``max_relative_error`` is its largest error.

    Examples
    --------
    >>> from sknn_scratch import MLPRegressor, check_gradients
    >>> net = MLPRegressor.from_weights([[[1, -1], [1, 1]], [[2], [-1]]],
    ...                                 activation="tanh")
    >>> check_gradients(net, [[2, 3]], [1.0]) < 1e-6
    True
    >>> comparison = check_gradients(net, [[2, 3]], [1.0], per_parameter=True)
    >>> comparison.names[:2], len(comparison.names)
    (['coefs_[0][0, 0]', 'coefs_[0][0, 1]'], 9)
    >>> bool(comparison.max_relative_error < 1e-6)
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
    errors = np.abs(analytic - numeric) / scale
    if per_parameter:
        return GradientComparison(_parameter_names(estimator), analytic, numeric, errors)
    return float(errors.max())


class GradientComparison:
    """Backpropagation against finite differences, parameter by parameter.

    Attributes
    ----------
    names : list of str
        Each parameter, in the flat order: ``"coefs_[i][j, k]"`` (the weight
        from unit ``j`` of layer ``i`` to unit ``k`` of the next) and then
        ``"intercepts_[i][k]"``.
    analytic, numeric : ndarray of shape (n_params,)
        Backpropagation's gradient and the central differences.
    relative_error : ndarray of shape (n_params,)
        ``|analytic - numeric|`` relative to the largest gradient component.
    max_relative_error : float
        The largest of them: what ``check_gradients`` returns by default.
    """

    def __init__(self, names, analytic, numeric, relative_error):
        self.names = names
        self.analytic, self.numeric = analytic, numeric
        self.relative_error = relative_error
        self.max_relative_error = float(relative_error.max())

    def worst(self, n=5):
        """The names of the ``n`` parameters whose gradients disagree most."""
        order = np.argsort(-self.relative_error, kind="stable")[:n]
        return [self.names[i] for i in order]

    def __repr__(self):
        rows = [f"{'parameter':<22}{'backprop':>14}{'numeric':>14}{'rel. error':>12}"]
        for name, a, b, e in zip(self.names, self.analytic, self.numeric, self.relative_error):
            rows.append(f"{name:<22}{a:>14.6g}{b:>14.6g}{e:>12.2e}")
        return "\n".join(rows)


#: The fitted attribute that publishes each group of the dense stack's
#: parameters (the input layers' are ``input_params_``).
_PUBLISHED = {"weights": "coefs_", "biases": "intercepts_", "activation": "activation_params_"}


def _parameter_names(estimator):
    """The name of each entry of the flat parameter vector, in its layout:
    ``coefs_[i][j, k]``, ``intercepts_[i][k]``, then the input layers'
    ``input_params_[i][j][...]`` and the ``activation_params_[i][k]``."""
    net = estimator.network_
    n_inputs = len(net.input_layers)
    names, seen, counts = [None] * net.params.size, {}, {}
    for index, group, part in net.parameter_slices:
        j = seen[index] = seen.get(index, -1) + 1  # the layer's j-th parameter
        if index < n_inputs:
            base = f"input_params_[{index}][{j}]"
        else:
            i = counts[group] = counts.get(group, -1) + 1
            base = f"{_PUBLISHED[group]}[{i}]"
        shape = net.param_views[index][j].shape
        for offset, at in enumerate(np.ndindex(shape)):
            names[part.start + offset] = f"{base}[{', '.join(map(str, at))}]"
    return names


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
