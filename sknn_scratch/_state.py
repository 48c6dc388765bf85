"""Consistency checks of a fitted estimator's state.

A model read from a file may have been tampered with or damaged: weights
that are NaN or of the wrong shape, an activation that does not exist, a
classifier's state under a regressor's name. :func:`state_problems` lists
every such inconsistency, so that :func:`sknn_scratch.persistence.load` can
refuse the file with a message that names them, instead of failing later
with a bare ``KeyError`` or predicting nonsense.
"""

import numpy as np

from ._compat import InvalidParameterError
from ._settings import activations_of, dropout_rates_of, hidden_layer_sizes_of


def state_problems(est):
    """Return a list of sentences, one per inconsistency; empty if none."""
    try:
        est._validate_params()
        hidden = hidden_layer_sizes_of(est.hidden_layer_sizes, type(est).__name__)
    except (InvalidParameterError, ValueError, TypeError) as error:
        return [f"invalid parameters: {error}"]
    if "network_" not in vars(est):
        return []  # an unfitted estimator: its parameters are all there is
    network = est.network_
    problems = _network_problems(network)
    problems = problems or _weight_problems(network.coefs, network.intercepts)
    problems = problems or _encoder_problems(est)
    if problems:
        return problems
    problems += _input_layer_problems(est, network)
    problems += _activation_problems(est, network)
    problems += _shape_problems(est, network, hidden)
    try:
        activations_of(est.activation, len(hidden))
    except ValueError:
        problems.append(f"unknown activation {est.activation!r}")
    try:
        dropout_rates_of(est.dropout, len(hidden), est.solver)
    except (ValueError, TypeError) as error:
        problems.append(str(error))
    loss = getattr(est, "loss_", None)
    if loss is not None and not np.isfinite(loss):
        problems.append(f"loss_ is {loss}")
    problems += _record_problems(est) + _target_range_problems(est)
    problems += _target_scaling_problems(est)
    problems += _optimizer_problems(est)
    return problems + est._output_problems()


def _shape_problems(est, network, hidden):
    """The fitted counts and the encoder must agree with the network's sizes."""
    units, problems = network.units, []
    encoder = getattr(est, "input_encoder_", None)
    layers = network.input_layers
    n_inputs = layers[0].units if layers else units[0]  # the columns the network reads
    members = network.members
    expected = {
        "n_features_in_": n_inputs if encoder is None else encoder.n_features_in_,
        "n_outputs_": units[-1] // members if units[-1] % members == 0 else units[-1] / members,
        "n_layers_": len(units),
    }
    for name, value in expected.items():
        if getattr(est, name, None) != value:
            problems.append(f"{name}={getattr(est, name, None)!r} but the weights give {value}")
    if encoder is not None and len(encoder.get_feature_names_out()) != n_inputs:
        problems.append(
            f"the input encoder gives {len(encoder.get_feature_names_out())} inputs "
            f"but the network takes {n_inputs}"
        )
    if units[1:-1] != hidden:
        problems.append(
            f"hidden_layer_sizes={est.hidden_layer_sizes!r} but the weights have "
            f"hidden layers of {units[1:-1]} units"
        )
    return problems


def _network_problems(network):
    """The network itself: layers of known kinds over one finite float
    vector of exactly the parameters they take."""
    from ._network import Network, n_parameters
    from ._protocol import LAYER_KINDS

    if not isinstance(network, Network):
        return [f"network_ is a {type(network).__name__}, not a Network"]
    params = getattr(network, "params", None)
    if not (
        isinstance(params, np.ndarray)
        and params.ndim == 1
        and params.dtype in (np.float32, np.float64)
    ):
        return ["the network's parameters must be one vector of float32 or float64"]
    layers = getattr(network, "layers", None)
    kinds = tuple(LAYER_KINDS.values())
    if not isinstance(layers, list) or not all(type(layer) in kinds for layer in layers):
        return ["the network's layers must be a list of layers"]
    size = n_parameters(layers)
    if size != params.size or getattr(network, "layout_error", None):
        return [f"the network's layers take {size} parameters but it holds {params.size}"]
    return [
        f"layer {index} ({layers[index].kind}) has NaN or infinite parameters"
        for index, _, part in network.parameter_slices
        if not np.isfinite(params[part]).all()
    ][:1]


def _input_layer_problems(est, network):
    """The input layers must feed the first dense layer and make as many
    ensemble members as ``ensemble_size`` says."""
    layers, problems = network.input_layers, []
    if layers and layers[-1].units_out != network.units[0]:
        problems.append(
            f"the input layers give {layers[-1].units_out} values but the weights take "
            f"{network.units[0]}"
        )
    if network.members != est.ensemble_size:
        problems.append(
            f"ensemble_size={est.ensemble_size!r} but the input layers make "
            f"{network.members} member(s)"
        )
    return problems


def _target_range_problems(est):
    """``target_range_`` (``clip_predictions``): a finite low and high per output."""
    if not hasattr(est, "target_range_"):
        return []
    target_range = est.target_range_
    shape = (getattr(est, "n_outputs_", None),)
    fits = isinstance(target_range, tuple) and len(target_range) == 2
    if not fits or not all(_finite_of_shape(b, shape) for b in target_range):
        return [f"target_range_ must be two finite arrays of shape {shape}"]
    if (target_range[0] > target_range[1]).any():
        return ["target_range_ has a low above its high"]
    return []


def _finite_of_shape(values, shape):
    return isinstance(values, np.ndarray) and values.shape == shape and np.isfinite(values).all()


def _target_scaling_problems(est):
    """``target_mean_`` and ``target_scale_`` (``standardize_target``): both
    None, or finite arrays of one value per output, the scales positive."""
    mean, scale = getattr(est, "target_mean_", None), getattr(est, "target_scale_", None)
    if mean is None and scale is None:
        return []
    shape = (getattr(est, "n_outputs_", None),)
    if not all(_finite_of_shape(b, shape) for b in (mean, scale)):
        return [f"target_mean_ and target_scale_ must be None or finite arrays of shape {shape}"]
    if (scale <= 0).any():
        return ["target_scale_ has a scale that is not positive"]
    return []


def _encoder_problems(est):
    """A fitted TabularEncoder's statistics: finite centres, positive scales,
    a positive clip, categories as texts, one column per input."""
    from ._tabular import TabularEncoder

    encoder = getattr(est, "input_encoder_", None)
    if encoder is None or est.input_encoding is None:
        if encoder is not None:
            return ["input_encoder_ without input_encoding"]
        return []
    if type(encoder) is not TabularEncoder:
        return []  # a user's transformer: its own business
    try:
        encoder._validate_params()
    except (InvalidParameterError, ValueError, TypeError) as error:
        return [f"the input encoder has invalid parameters: {error}"]
    columns = getattr(encoder, "_columns", None)
    if not isinstance(columns, list) or len(columns) != getattr(encoder, "n_features_in_", -1):
        return ["the input encoder's columns do not match its n_features_in_"]
    problems = []
    for column in columns:
        problem = _column_problem(column)
        if problem:
            problems.append(
                f"the input encoder's column {getattr(column, 'name', '?')!r} {problem}"
            )
    return problems


def _column_problem(column):
    """What is wrong with one fitted encoder column, or None."""
    kind = getattr(column, "kind", None)
    if not isinstance(getattr(column, "name", None), str):
        return "has no name"
    if kind == "identifier":
        return None
    if kind == "numeric":
        centre, scale = getattr(column, "centre", None), getattr(column, "scale", None)
        if not (isinstance(centre, float) and np.isfinite(centre)):
            return f"has centre {centre!r}, not a finite number"
        if not (isinstance(scale, float) and np.isfinite(scale) and scale > 0):
            return f"has scale {scale!r}, not a positive finite number"
        return None
    categories = getattr(column, "categories", None)
    if kind == "binary":
        if not isinstance(categories, list) or len(categories) != 2:
            return "is two-valued but does not hold two categories"
        values = getattr(column, "values", None) if getattr(column, "numeric", False) else None
        if values is not None and not all(v is None or np.isfinite(v) for v in values):
            return "has values that are not finite"
        return None
    if kind == "categorical":
        texts = isinstance(categories, list) and all(isinstance(c, str) for c in categories)
        rare = getattr(column, "rare", None)
        if not texts or not isinstance(rare, list) or not all(isinstance(c, str) for c in rare):
            return "has categories that are not lists of texts"
        return None
    return f"is of an unknown kind {kind!r}"


def _activation_problems(est, network):
    """Parametric activations: one ``a`` per hidden unit, or none; and each
    hidden layer's activation the one ``activation`` names."""
    activation_params = network.activation_params
    if bool(activation_params) != bool(est.parametric_activation) and len(network.units) > 2:
        return [
            f"the network's activations {'are' if activation_params else 'are not'} parametric but "
            f"parametric_activation={est.parametric_activation!r}"
        ]
    try:
        names = activations_of(est.activation, len(network.units) - 2)
    except ValueError:
        return []  # named below, with the other parameters
    used = [layer.name for layer in network.layers if layer.activates]
    if used != names:
        return [f"activation={est.activation!r} but the network's layers use {used}"]
    return []


def _record_problems(est):
    """The counters and curves that continued training reads and extends."""
    problems = []
    for name in ("n_iter_", "t_"):
        value = getattr(est, name, 0)
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 0:
            problems.append(f"{name}={value!r} is not a count")
    curve = getattr(est, "loss_curve_", [])
    if not isinstance(curve, list) or not all(isinstance(v, (float, int)) for v in curve):
        problems.append("loss_curve_ is not a list of numbers")
    return problems


def _optimizer_problems(est):
    """The optimizer's state must fit the weights it will update."""
    from ._optimizers import OPTIMIZERS, Adam  # (the optimizers import nothing of ours back)

    optimizer = getattr(est, "_optimizer", None)
    if optimizer is None:
        return []
    known = {cls.__name__: cls for cls in OPTIMIZERS.values()}
    if type(optimizer) not in known.values():
        return [f"the optimizer state is a {type(optimizer).__name__}, not one of {sorted(known)}"]
    n_params, dtype = est.network_.params.size, est.network_.params.dtype
    problems = []
    for name in optimizer._STATE:
        state = getattr(optimizer, name, None)
        if not isinstance(state, np.ndarray) or state.shape != (n_params,):
            shape = getattr(state, "shape", type(state).__name__)
            problems.append(
                f"the optimizer's {name} has shape {shape}, but the network has "
                f"{n_params} parameters"
            )
        elif state.dtype != dtype or not np.isfinite(state).all():
            problems.append(f"the optimizer's {name} is not finite {dtype} values")
    if isinstance(optimizer, Adam):
        t = getattr(optimizer, "t", None)
        if not isinstance(t, (int, np.integer)) or t < 0:
            problems.append(f"the optimizer's step count t={t!r} is not a count")
    problems += _group_problems(getattr(optimizer, "groups", None), n_params)
    return problems


def _group_problems(groups, n_params):
    """Whether the optimizer's parameter groups fit a network of ``n_params``."""
    from ._optimizers import Groups

    if not isinstance(groups, Groups):
        return ["the optimizer's parameter groups are missing"]
    scale = groups.rate_scale
    if scale is not None and (not isinstance(scale, np.ndarray) or scale.shape != (n_params,)):
        return ["the optimizer's learning-rate multipliers do not fit the network"]
    for entry in groups.decayed:
        fits = isinstance(entry, tuple) and len(entry) == 3
        if not fits or not 0 <= entry[0] <= entry[1] <= n_params:
            return ["the optimizer's decayed parameters do not fit the network"]
    return []


def _weight_problems(coefs, intercepts):
    if not isinstance(coefs, list) or not isinstance(intercepts, list):
        return ["coefs_ and intercepts_ must be lists of arrays"]
    if not coefs or len(coefs) != len(intercepts):
        return [f"{len(coefs)} weight matrices but {len(intercepts)} bias vectors"]
    arrays = coefs + intercepts
    if not all(isinstance(a, np.ndarray) and a.dtype in (np.float32, np.float64) for a in arrays):
        return ["weights must be float32 or float64 arrays"]
    if len({a.dtype for a in arrays}) != 1:
        return ["weights mix float32 and float64"]
    problems = []
    for i, (coef, intercept) in enumerate(zip(coefs, intercepts)):
        if coef.ndim != 2 or 0 in coef.shape or intercept.shape != (coef.shape[-1],):
            problems.append(
                f"layer {i} has weights of shape {coef.shape} and biases of shape {intercept.shape}"
            )
        elif i and coef.shape[0] != coefs[i - 1].shape[-1]:
            problems.append(
                f"layer {i} takes {coef.shape[0]} inputs but layer {i - 1} has "
                f"{coefs[i - 1].shape[-1]} units"
            )
        elif not (np.isfinite(coef).all() and np.isfinite(intercept).all()):
            problems.append(f"layer {i} has NaN or infinite weights")
    return problems
