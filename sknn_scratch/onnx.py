"""Export to ONNX, the format production runtimes read.

Importing this module registers :class:`~sknn_scratch.MLPRegressor` and
:class:`~sknn_scratch.MLPClassifier` with skl2onnx, so skl2onnx's own
``to_onnx`` / ``convert_sklearn`` convert them too, alone or inside
pipelines. The graphs are the forward pass, layer by layer: ``MatMul``,
``Add`` and the activation, with the outputs skl2onnx gives scikit-learn's
MLP (a regressor's ``variable`` of shape ``(n, n_outputs)``; a classifier's
``label`` and ``probabilities``, as a ZipMap unless ``options={"zipmap":
False}``). Dropout is the identity at inference, and the losses only shape
training: every one exports through its output activation.

Needs the ``onnx`` extra: ``pip install 'sknn-scratch[onnx]'``.
"""

import math
import re

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._activations import _LEAK, _LOG_MAX, HIDDEN_ACTIVATIONS
from ._classifier import MLPClassifier
from ._regressor import MLPRegressor
from ._tabular import (
    BINARY_TOLERANCE,
    TabularEncoder,
    _as_numbers,
    _category_keys,
    binary_values,
)

try:
    import onnxruntime  # noqa: F401 (what runs the graphs: missing, say so now)
    from skl2onnx import to_onnx as _skl2onnx_to_onnx
    from skl2onnx import update_registered_converter
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
        guess_proto_type,
    )
    from skl2onnx.common.shape_calculator import calculate_linear_classifier_output_shapes
    from skl2onnx.proto import onnx_proto
except ImportError:
    raise ImportError(
        "sknn_scratch.onnx needs skl2onnx and onnxruntime: pip install 'sknn-scratch[onnx]'"
    ) from None

__all__ = ["to_onnx", "onnx_feed", "input_names"]

#: The oldest opset whose operators the graphs use (Erf, Where and Sign:
#: 9; LessOrEqual: 12).
MIN_OPSET = 12


def to_onnx(est, X_sample, *, target_opset=None, options=None):
    """The ONNX model of a fitted estimator (or of a pipeline that holds one).

    Parameters
    ----------
    est : MLPRegressor, MLPClassifier or Pipeline
        The fitted model.
    X_sample : ndarray of shape (n_samples, n_features)
        A few rows of input; they set the type of the graph's input ``X``:
        float32 gives a float32 graph (weights included); float64 a float64
        graph; integers (input ``X`` as int64) and booleans a float64 graph
        that casts its input, as scikit-learn predicts them in float64 (with
        ``zipmap=True`` the probabilities ZipMap reads are rounded to
        float32, ZipMap's type, as skl2onnx's own ``convert_sklearn`` does by
        default for integer input). (In
        a pipeline, the steps before the network decide the type it gets:
        skl2onnx's scalers turn integers into float32.)
    target_opset : int or None, default=None
        The ONNX opset (None: skl2onnx's latest); at least 12.
    options : dict or None, default=None
        skl2onnx's conversion options, e.g. ``{"zipmap": False}`` for
        probabilities as one tensor rather than a list of dicts. ONNX's
        ZipMap takes float32 only: for a float64 graph a classifier's
        ``zipmap`` defaults to False (probabilities as one float64 tensor),
        and ``zipmap=True`` is refused for float64 samples.

    Returns
    -------
    model : onnx.ModelProto
        Run it with ``onnxruntime.InferenceSession(model.SerializeToString())``.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime
    >>> from sknn_scratch import MLPRegressor
    >>> from sknn_scratch.onnx import to_onnx
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 3))
    >>> reg = MLPRegressor(activation="silu", max_iter=50, random_state=0).fit(X, X.sum(axis=1))
    >>> model = to_onnx(reg, X[:1])
    >>> session = onnxruntime.InferenceSession(model.SerializeToString())
    >>> (y_onnx,) = session.run(None, {"X": X})
    >>> bool(np.allclose(y_onnx.ravel(), reg.predict(X), rtol=1e-10, atol=1e-10))
    True
    """
    check_is_fitted(est)
    _refuse_input_encoder(est)
    if target_opset is not None and target_opset < MIN_OPSET:
        raise ValueError(f"target_opset must be at least {MIN_OPSET}, got {target_opset}.")
    if getattr(est, "input_encoder_", None) is not None:
        inputs = _encoder_inputs(est, X_sample)
        if est.input_encoder_.dtype != np.float32:
            options = _without_double_zipmap(est, options)
        return _skl2onnx_to_onnx(
            est, initial_types=inputs, target_opset=target_opset, options=options
        )
    X_sample = np.asarray(X_sample)
    if X_sample.dtype.kind not in "fiub" or X_sample.ndim != 2:
        raise ValueError(
            "X_sample must be a 2-D array of numbers (float32, float64, integers or "
            f"booleans; it sets the type of the graph's input), got {X_sample.ndim}-D "
            f"{X_sample.dtype}."
        )
    if X_sample.dtype.kind == "f" and X_sample.dtype not in (np.float32, np.float64):
        X_sample = X_sample.astype(np.float64)  # float16 / longdouble: no ONNX kernels
    elif X_sample.dtype.kind in "iu":
        X_sample = X_sample.astype(np.int64)  # skl2onnx's integer input type
    if X_sample.dtype != np.float32:
        # (Integer and boolean samples may ask for ZipMap: it then reads the
        # float64 probabilities rounded to float32.)
        refuse = X_sample.dtype == np.float64
        options = _without_double_zipmap(est, options, refuse)
    return _skl2onnx_to_onnx(est, X_sample, target_opset=target_opset, options=options)


def _refuse_input_encoder(est):
    """Pipelines and encoders other than ours cannot be exported with an
    ``input_encoding``: the graph's inputs are then the raw columns, which
    only a TabularEncoder describes (see :func:`_encoder_inputs`)."""
    network = est.steps[-1][1] if hasattr(est, "steps") else est
    encoder = getattr(network, "input_encoder_", None)
    if encoder is None:
        return
    if network is not est:
        raise ValueError(
            "to_onnx exports input_encoding only for the network itself, not inside a "
            "Pipeline: its graph reads the raw columns. Export the network alone."
        )
    if not isinstance(encoder, TabularEncoder):
        raise ValueError(
            "to_onnx exports input_encoding='tabular' (a TabularEncoder) only: the model "
            f"was fitted with input_encoding={network.input_encoding!r}. Export a Pipeline "
            "of a scikit-learn ColumnTransformer and the network fitted with "
            "input_encoding=None instead."
        )


def _check_operator_inputs(operator):
    """In skl2onnx's own conversions (of a pipeline, say) a model with a
    TabularEncoder gets what the steps before it give, not its raw columns."""
    est = operator.raw_operator
    encoder = getattr(est, "input_encoder_", None)
    if encoder is not None and len(operator.inputs) != len(_read_columns(encoder)):
        raise ValueError(
            "to_onnx exports input_encoding only for the network itself, not inside a "
            "Pipeline: its graph reads the raw columns. Export the network alone, with "
            "sknn_scratch.onnx.to_onnx(est, X_frame)."
        )
    _refuse_input_encoder(est)


def _encoder_inputs(est, X_sample):
    """skl2onnx's initial types of a model with a TabularEncoder: one input
    of shape (n, 1) per raw column the encoder reads (not the identifiers
    it leaves out), named by :func:`input_names`; float64 for the columns
    the encoder read as numbers, strings for the others."""
    if not hasattr(X_sample, "columns"):
        raise ValueError(
            "This model reads raw columns (input_encoding='tabular'): X_sample must be a "
            "DataFrame with them, not an array."
        )
    encoder = est.input_encoder_
    names = [column.name for column in encoder._columns]
    if [str(c) for c in X_sample.columns] != names:
        raise ValueError(
            f"X_sample has the columns {list(map(str, X_sample.columns))}, but the model "
            f"was fitted on {names}."
        )
    return [
        (
            graph_name,
            DoubleTensorType([None, 1]) if _reads_numbers(column) else StringTensorType([None, 1]),
        )
        for column, graph_name in zip(_read_columns(encoder), input_names(est).values())
    ]


def _read_columns(encoder):
    """The encoder's columns that have inputs in the graph."""
    return [column for column in encoder._columns if column.kind != "identifier"]


def _reads_numbers(column):
    return column.kind == "numeric" or getattr(column, "numeric", False)


#: Names the graph's inputs avoid: skl2onnx's outputs, and ONNX's own.
_TAKEN = {"label", "probabilities", "variable", "output_label", "output_probability"}


def input_names(est):
    """The graph's input for each raw column of a model with
    ``input_encoding="tabular"``: ``{column name: input name}``.

    A column's input has its name where that is a plain identifier
    (letters, digits, ``_``, not starting with a digit) and not one of the
    graph's output names (``label``, ``probabilities``, ``variable``); other
    characters become ``_``, a leading digit gets ``c_`` before it, and a
    name already taken gets ``_2``, ``_3``, ... after it. Identifier
    columns the encoder leaves out have no input. :func:`onnx_feed` builds
    the feed under these names.

    Parameters
    ----------
    est : MLPRegressor or MLPClassifier
        The fitted model, with ``input_encoding="tabular"``.

    Returns
    -------
    names : dict of str to str
    """
    names, taken = {}, set(_TAKEN)
    for column in _read_columns(est.input_encoder_):
        base = re.sub(r"\W", "_", column.name, flags=re.ASCII) or "_"
        if base[0].isdigit():
            base = f"c_{base}"
        name, k = base, 1
        while name.lower() in taken:
            k += 1
            name = f"{base}_{k}"
        taken.add(name.lower())
        names[column.name] = name
    return names


def onnx_feed(est, X):
    """The inputs of the graph of a model with ``input_encoding="tabular"``,
    from a DataFrame ``X``: each column the encoder reads as an (n, 1)
    array under the graph's name for it (:func:`input_names`), float64 for
    the columns the encoder read as numbers (NaN where missing; booleans
    as 0 and 1), and for the others the text by which the encoder matches
    categories (numbers by value: ``1`` and ``1.0`` are ``"1"``; a missing
    value becomes a text no category has, which the graph encodes as
    zeros, as ``predict`` does).

    Parameters
    ----------
    est : MLPRegressor or MLPClassifier
        The fitted model, with ``input_encoding="tabular"``.
    X : DataFrame
        The raw columns.

    Returns
    -------
    feed : dict of str to ndarray
        ``session.run(None, onnx_feed(est, X))``.
    """
    encoder = est.input_encoder_
    check_is_fitted(encoder)
    raws = {raw.name: raw for raw in encoder._checked(X, reset=False)}  # as transform reads
    names = input_names(est)
    feed = {}
    for column in _read_columns(encoder):
        values = raws[column.name].values
        if _reads_numbers(column):
            feed[names[column.name]] = _as_numbers(values, column.name).reshape(-1, 1)
        else:
            keys, missing = _category_keys(values)
            # A missing value as a text no category has: all zeros.
            keys[missing] = _MISSING
            feed[names[column.name]] = keys.astype(str).astype(object).reshape(-1, 1)
    return feed


#: The text that stands for a missing category in the graph's inputs.
_MISSING = "\x00missing"


def _without_double_zipmap(est, options, refuse=True):
    """``options`` with ``zipmap=False`` for every classifier of ours whose
    option the user left unset: ONNX's ZipMap takes float32 probabilities
    only, and a graph for float64 (or integer) input computes them in
    float64, so they come as one tensor instead. With ``refuse``, an
    explicit ``zipmap=True`` is an error (float64 input: it cannot be built)."""
    classifiers = [est] if isinstance(est, MLPClassifier) else []
    if hasattr(est, "get_params"):
        classifiers += [
            value
            for value in est.get_params(deep=True).values()
            if isinstance(value, MLPClassifier)
        ]
    if not classifiers:
        return options
    options = dict(options or {})
    if all(isinstance(key, str) for key in options):  # options of the top-level model
        if refuse and options.get("zipmap", False) is not False:
            # (A pipeline's own options never reach the classifier in it:
            # said of the pipeline, zipmap would vanish without a word.)
            raise ValueError(
                f"zipmap={options['zipmap']!r} cannot be built: ONNX's ZipMap takes float32 "
                "probabilities, and with a float64 (or integer) X_sample the graph computes "
                "them in float64. Leave zipmap unset (probabilities as one tensor) or pass "
                "a float32 X_sample."
            )
        if isinstance(est, MLPClassifier):
            options.setdefault("zipmap", False)
            return options
        options = {id(est): options} if options else {}
    for clf in classifiers:
        own = options.get(id(clf), options.get(type(clf), {}))
        if "zipmap" not in own:
            options[id(clf)] = {**own, "zipmap": False}
    return options


# ------------------------------------------------------------- the graph


def _forward(scope, container, est, inputs, proto):
    """Nodes of the forward pass from the graph's ``inputs``: the network's
    layers in order, each by the converter of its kind (:data:`_LAYERS`);
    the name of the response (the output activation's values, the mean of
    the members' for an ensemble)."""
    dtype = np.float64 if proto == onnx_proto.TensorProto.DOUBLE else np.float32
    graph = _Graph(scope, container, proto, dtype, est.out_activation_)
    if getattr(est, "input_encoder_", None) is not None:
        name = _encoded(graph, est.input_encoder_, [v.full_name for v in inputs])
    else:
        name = _node(scope, container, "Cast", [inputs[0].full_name], to=proto)
    network = est.network_
    for layer, params in zip(network.layers, network.param_views):
        name = _LAYERS[layer.kind](graph, layer, params, name)
    return name


def _dense(graph, layer, params, name):
    """``A @ W + b`` (``_layers.Dense``)."""
    name = graph.node("MatMul", name, graph.constant(params[0]))
    return graph.node("Add", name, graph.constant(params[1].reshape(1, -1)))


def _activation(graph, layer, params, z):
    """The hidden activation ``f(z)``, or with a parametric activation's
    ``a``, ``z + a (f(z) - z)`` (``_activations.ParametricActivation``)."""
    f = _hidden(layer.name)(graph.scope, graph.container, z, graph.proto)
    if not params:
        return f
    gap = graph.node("Mul", graph.node("Sub", f, z), graph.constant(params[0].reshape(1, -1)))
    return graph.node("Add", z, gap)


def _passed(graph, layer, params, name):
    """Dropout: prediction keeps every unit."""
    return name


def _output(graph, layer, params, name):
    """The output activation of the raw output; an ensemble's heads have
    already given the members' mean response."""
    if layer.members > 1:
        return name
    return _OUTPUT[graph.out_activation](graph.scope, graph.container, name, graph.proto)


class _Graph:
    """The conversion's scope and container with its float type: nodes and
    constants in one call each."""

    def __init__(self, scope, container, proto, dtype, out_activation=None):
        self.scope, self.container, self.proto, self.dtype = scope, container, proto, dtype
        self.out_activation = out_activation

    def node(self, op_type, *inputs, **attributes):
        return _node(self.scope, self.container, op_type, list(inputs), **attributes)

    def constant(self, values):
        return _constant(self.scope, self.container, np.asarray(values, self.dtype), self.proto)

    def shape(self, *dims):
        return _constant(self.scope, self.container, np.array(dims), onnx_proto.TensorProto.INT64)


def _encoded(graph, encoder, names):
    """The TabularEncoder's output from its raw columns (one input each):
    each column's block as ``TabularEncoder._encoded`` computes it."""
    columns = _read_columns(encoder)
    blocks = [_encoded_column(graph, encoder, c, n) for c, n in zip(columns, names)]
    return graph.node("Concat", *blocks, axis=1)


def _encoded_column(graph, encoder, column, name):
    if column.kind == "numeric":
        return _encoded_number(graph, encoder, column, name)
    return _encoded_category(graph, column, name)


def _encoded_number(graph, encoder, column, name):
    """Median and IQR scaling, the smooth clip, and the missing indicator,
    in float64 as the encoder computes them."""
    double = _Graph(graph.scope, graph.container, onnx_proto.TensorProto.DOUBLE, np.float64)
    x = double.node("Cast", name, to=onnx_proto.TensorProto.DOUBLE)
    missing = double.node("IsNaN", x)
    centre = double.constant([column.centre])
    scaled = double.node("Where", missing, centre, x)
    scaled = double.node("Div", double.node("Sub", scaled, centre), double.constant([column.scale]))
    if encoder.clip is not None:
        scaled = _smooth_clip(double, scaled, encoder.clip)
    block = graph.node("Cast", scaled, to=graph.proto)
    if not column.indicator:
        return block
    return graph.node("Concat", block, graph.node("Cast", missing, to=graph.proto), axis=1)


def _smooth_clip(double, x, clip):
    """``x / sqrt(1 + (x / clip)^2)``, and ``+-clip`` where ``(x / clip)^2``
    would overflow (``_tabular.smooth_clip``)."""
    ratio = double.node("Div", x, double.constant([clip]))
    root = double.node(
        "Sqrt", double.node("Add", double.node("Mul", ratio, ratio), double.constant([1.0]))
    )
    bent = double.node("Div", x, root)
    huge = double.node("Greater", double.node("Abs", ratio), double.constant([1e150]))
    limit = double.node("Mul", double.node("Sign", x), double.constant([clip]))
    return double.node("Where", huge, limit, bent)


def _encoded_category(graph, column, name):
    """-1/+1 for a two-valued column, one-hot for the others (the rare
    categories in the last column); zeros for unseen or missing ones."""
    double = _Graph(graph.scope, graph.container, onnx_proto.TensorProto.DOUBLE, np.float64)
    if column.kind == "binary" and _reads_numbers(column):
        # Matched by value, to float32's rounding (_tabular.binary_signs).
        x = double.node("Cast", name, to=onnx_proto.TensorProto.DOUBLE)
        sign = double.constant([0.0])
        for value, target in zip(binary_values(column), (-1.0, 1.0)):
            if value is not None:
                gap = double.node("Abs", double.node("Sub", x, double.constant([value])))
                near = double.constant([BINARY_TOLERANCE * abs(value)])
                hit = double.node("LessOrEqual", gap, near)
                sign = double.node("Where", hit, double.constant([target]), sign)
        return graph.node("Cast", sign, to=graph.proto)
    if column.kind == "binary":
        keys = [k for k in column.categories if k is not None]
        values = [-1.0, 1.0][: len(keys)]
        sign = graph.node(
            "LabelEncoder",
            name,
            op_domain="ai.onnx.ml",
            op_version=2,
            keys_strings=keys,
            values_floats=values,
            default_float=0.0,
        )
        return graph.node("Cast", sign, to=graph.proto)
    # Categories one-hot; the rare ones share the last column; unseen: none.
    keys = list(column.categories) + list(column.rare)
    codes = list(range(len(column.categories))) + [len(column.categories)] * len(column.rare)
    code = graph.node(
        "LabelEncoder",
        name,
        op_domain="ai.onnx.ml",
        op_version=2,
        keys_strings=keys,
        values_int64s=codes,
        default_int64=-1,
    )
    width = len(column.categories) + column.infrequent
    slots = _constant(
        graph.scope, graph.container, np.arange(width).reshape(1, -1), onnx_proto.TensorProto.INT64
    )
    return graph.node("Cast", graph.node("Equal", code, slots), to=graph.proto)


def _scale(graph, layer, params, name):
    """``A * s`` (``_input_layers.Scale``)."""
    return graph.node("Mul", name, graph.constant(params[0].reshape(1, -1)))


def _periodic(graph, layer, params, name):
    """The PBLD embedding (``_input_layers.PeriodicEmbedding``), in its (m, n, k)
    layout: the chosen columns, their cosines, one MatMul per column
    (batched), then every column of A after them."""
    frequencies, phases, maps, offsets = params
    m, p = layer.m, layer.p
    indices = _constant(
        graph.scope, graph.container, layer.columns.astype(np.int64), onnx_proto.TensorProto.INT64
    )
    x = graph.node("Gather", name, indices, axis=1)  # (n, m)
    x = graph.node("Reshape", graph.node("Transpose", x, perm=[1, 0]), graph.shape(m, -1, 1))
    P = graph.node("Mul", x, graph.constant(2 * np.pi * frequencies[:, None, :]))
    P = graph.node("Add", P, graph.constant(phases[:, None, :]))
    H = graph.node("MatMul", graph.node("Cos", P), graph.constant(maps))  # (m, n, p)
    H = graph.node("Add", H, graph.constant(offsets[:, None, :]))
    H = graph.node("Transpose", H, perm=[1, 0, 2])
    return graph.node("Concat", graph.node("Reshape", H, graph.shape(-1, m * p)), name, axis=1)


def _members(graph, layer, params, name):
    """Each row once per member, times the member's factors
    (``_input_layers.Members``): ``(n, d) -> (n * k, d)``."""
    (factors,) = params
    rows = graph.node("Reshape", name, graph.shape(-1, 1, layer.units))
    scaled = graph.node("Mul", rows, graph.constant(factors[None]))
    return graph.node("Reshape", scaled, graph.shape(-1, layer.units))


def _piecewise_linear(graph, layer, params, name):
    """The columns, then every bin's ``clip((x - lower) / width)``
    (``_input_layers.PiecewiseLinear``), as one Gather and elementwise nodes."""
    indices = _constant(
        graph.scope,
        graph.container,
        layer.bin_columns.astype(np.int64),
        onnx_proto.TensorProto.INT64,
    )
    x = graph.node("Gather", name, indices, axis=1)  # (n, bins)
    e = graph.node(
        "Div", graph.node("Sub", x, graph.constant(layer.lower)), graph.constant(layer.width)
    )
    e = graph.node("Max", e, graph.constant(layer.low_limit))
    e = graph.node("Min", e, graph.constant(layer.high_limit))
    return graph.node("Concat", name, e, axis=1)


def _category_embedding(graph, layer, params, name):
    """The kept columns, then each one-hot block times its table
    (``_input_layers.CategoryEmbedding``)."""

    def gather(indices):
        ints = np.asarray(indices, dtype=np.int64)
        at = _constant(graph.scope, graph.container, ints, onnx_proto.TensorProto.INT64)
        return graph.node("Gather", name, at, axis=1)

    parts = [gather(layer.kept)] if len(layer.kept) else []
    for (start, stop), table in zip(layer.blocks, params):
        parts.append(graph.node("MatMul", gather(np.arange(start, stop)), graph.constant(table)))
    return graph.node("Concat", *parts, axis=1)


def _heads(graph, layer, params, name):
    """An ensemble's output (``_layers.Heads`` and ``mean_response_raw``):
    each member's rows through its own head, the output activation, and
    the mean over the members, as one MatMul with weights 1/k."""
    coef, intercept = params
    k = layer.members
    o = layer.fan_out // k
    rows = graph.node("Reshape", name, graph.shape(-1, k, 1, coef.shape[0]))
    heads = coef.reshape(coef.shape[0], k, o).transpose(1, 0, 2)  # (k, fan_in, o)
    raw = graph.node("MatMul", rows, graph.constant(heads))  # (n, k, 1, o)
    raw = graph.node("Add", raw, graph.constant(intercept.reshape(k, 1, o)))
    raw = graph.node("Reshape", raw, graph.shape(-1, k, o))
    if graph.out_activation == "softmax":  # over each member's classes
        response = graph.node("Softmax", raw, axis=2)
    else:
        response = _OUTPUT[graph.out_activation](graph.scope, graph.container, raw, graph.proto)
    by_output = graph.node("Transpose", response, perm=[0, 2, 1])  # (n, o, k)
    mean = graph.node("MatMul", by_output, graph.constant(np.full((k, 1), 1.0 / k)))
    return graph.node("Reshape", mean, graph.shape(-1, o))


#: The converter of each layer kind (``_protocol.LAYER_KINDS``): ``(graph,
#: layer, params, name of its input) -> name of its output``.
_LAYERS = {
    "category_embedding": _category_embedding,
    "scale": _scale,
    "periodic": _periodic,
    "members": _members,
    "piecewise_linear": _piecewise_linear,
    "dense": _dense,
    "activation": _activation,
    "parametric": _activation,
    "dropout": _passed,
    "heads": _heads,
    "output": _output,
}


def _node(scope, container, op_type, inputs, output=None, op_domain="", **attributes):
    output = output or scope.get_unique_variable_name(op_type.lower())
    container.add_node(
        op_type,
        inputs,
        output,
        name=scope.get_unique_operator_name(op_type),
        op_domain=op_domain,
        **attributes,
    )
    return output


def _constant(scope, container, values, proto):
    values = np.asarray(values)
    name = scope.get_unique_variable_name("constant")
    container.add_initializer(name, proto, list(values.shape), values.ravel().tolist())
    return name


def _scalar(scope, container, value, proto):
    return _constant(scope, container, np.array([value]), proto)


def _unary(op_type, **attributes):
    def build(scope, container, name, proto):
        return _node(scope, container, op_type, [name], **attributes)

    return build


def _identity(scope, container, name, proto):
    return name


def _silu(scope, container, name, proto):
    """z * sigmoid(z)."""
    sigma = _node(scope, container, "Sigmoid", [name])
    return _node(scope, container, "Mul", [name, sigma])


def _gelu(scope, container, name, proto):
    """z * Phi(z), with Phi(z) = (1 + erf(z / sqrt(2))) / 2: ONNX's Erf
    (opset 9) in float32; in float64, where onnxruntime has no Erf kernel,
    Cody's rational approximations (see ``_erf_double``)."""
    scaled = _node(
        scope, container, "Mul", [name, _scalar(scope, container, 1 / math.sqrt(2), proto)]
    )
    if proto == onnx_proto.TensorProto.DOUBLE:
        erf = _erf_double(scope, container, scaled, proto)
    else:
        erf = _node(scope, container, "Erf", [scaled])
    cdf = _node(scope, container, "Add", [erf, _scalar(scope, container, 1.0, proto)])
    half = _node(scope, container, "Mul", [cdf, _scalar(scope, container, 0.5, proto)])
    return _node(scope, container, "Mul", [name, half])


def _leaky_relu(scope, container, name, proto):
    """relu(z) - leak * relu(-z) (onnxruntime has no double LeakyRelu)."""
    positive = _node(scope, container, "Relu", [name])
    negative = _node(scope, container, "Relu", [_node(scope, container, "Neg", [name])])
    scaled = _node(scope, container, "Mul", [negative, _scalar(scope, container, _LEAK, proto)])
    return _node(scope, container, "Sub", [positive, scaled])


def _elu(scope, container, name, proto):
    """relu(z) + exp(min(z, 0)) - 1 (onnxruntime has no double Elu)."""
    positive = _node(scope, container, "Relu", [name])
    clipped = _node(scope, container, "Min", [name, _scalar(scope, container, 0.0, proto)])
    exp = _node(scope, container, "Exp", [clipped])
    minus_one = _node(scope, container, "Sub", [exp, _scalar(scope, container, 1.0, proto)])
    return _node(scope, container, "Add", [positive, minus_one])


# W. J. Cody, "Rational Chebyshev approximations for the error function",
# Math. Comp. 23 (1969), the coefficients of netlib's CALERF: erf(x) for
# |x| <= 0.46875, erfc(x) exp(x^2) for 0.46875 < x <= 4, and an asymptotic
# form beyond. Checked against scipy.special.erf to 4e-16 (tests/test_onnx.py
# checks the exported gelu against ours).
_CODY = {
    "erf": (
        [3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02],
        [2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03],
        (1.85777706184603153e-1, 3.20937758913846947e03, 2.84423683343917062e03),
    ),
    "erfc": (
        [
            5.64188496988670089e-1,
            8.88314979438837594e00,
            6.61191906371416295e01,
            2.98635138197400131e02,
            8.81952221241769090e02,
            1.71204761263407058e03,
            2.05107837782607147e03,
        ],
        [
            1.57449261107098347e01,
            1.17693950891312499e02,
            5.37181101862009858e02,
            1.62138957456669019e03,
            3.29079923573345963e03,
            4.36261909014324716e03,
            3.43936767414372164e03,
        ],
        (2.15311535474403846e-8, 1.23033935479799725e03, 1.23033935480374942e03),
    ),
    "tail": (
        [
            3.05326634961232344e-1,
            3.60344899949804439e-1,
            1.25781726111229246e-1,
            1.60837851487422766e-2,
        ],
        [
            2.56852019228982242e00,
            1.87295284992346725e00,
            5.27905102951428412e-1,
            6.05183413124413191e-2,
        ],
        (1.63153871373020978e-2, 6.58749161529837803e-4, 2.33520497626869185e-3),
    ),
}


def _rational(scope, container, t, part, proto):
    """Cody's ratio of polynomials in ``t``, evaluated by Horner's rule."""
    numerators, denominators, (lead, last_num, last_den) = _CODY[part]

    def add(a, value):
        return _node(scope, container, "Add", [a, _scalar(scope, container, value, proto)])

    def mul(a, b):
        return _node(scope, container, "Mul", [a, b])

    num = _node(scope, container, "Mul", [t, _scalar(scope, container, lead, proto)])
    den = t
    for a, b in zip(numerators, denominators):
        num, den = mul(add(num, a), t), mul(add(den, b), t)
    return _node(scope, container, "Div", [add(num, last_num), add(den, last_den)])


def _erf_double(scope, container, x, proto):
    """erf(x) to double precision from Mul, Add, Div, Exp and Where: the
    three regions of Cody's algorithm are all computed and one is chosen
    per element (each on arguments clipped to its region, so the others
    stay finite)."""

    def const(value):
        return _scalar(scope, container, value, proto)

    def node(op, *inputs):
        return _node(scope, container, op, list(inputs))

    y = node("Abs", x)
    small = node("Mul", x, _rational(scope, container, node("Mul", y, y), "erf", proto))
    middle_y = node("Max", node("Min", y, const(4.0)), const(0.46875))
    middle = node(
        "Mul",
        _rational(scope, container, middle_y, "erfc", proto),
        node("Exp", node("Neg", node("Mul", middle_y, middle_y))),
    )
    tail_y = node("Max", y, const(4.0))
    tail_y2 = node("Mul", tail_y, tail_y)
    z = node("Reciprocal", tail_y2)
    ratio = node("Mul", z, _rational(scope, container, z, "tail", proto))
    tail = node(
        "Mul",
        node("Div", node("Sub", const(1 / math.sqrt(math.pi)), ratio), tail_y),
        node("Exp", node("Neg", tail_y2)),
    )
    erfc = node("Where", node("LessOrEqual", y, const(4.0)), middle, tail)
    large = node("Mul", node("Sign", x), node("Sub", const(1.0), erfc))
    return node("Where", node("LessOrEqual", y, const(0.46875)), small, large)


def _softplus(scope, container, name, proto):
    """log(1 + exp(z)) as max(z, 0) + log(1 + exp(-|z|)), which cannot
    overflow (as NumPy's logaddexp; ONNX's Softplus overflows for large z)."""
    positive = _node(scope, container, "Relu", [name])
    magnitude = _node(scope, container, "Abs", [name])
    negated = _node(scope, container, "Neg", [magnitude])
    exp = _node(scope, container, "Exp", [negated])
    one_plus = _node(scope, container, "Add", [exp, _scalar(scope, container, 1.0, proto)])
    log = _node(scope, container, "Log", [one_plus])
    return _node(scope, container, "Add", [positive, log])


def _capped_exp(scope, container, name, proto):
    """exp(min(z, log(max))): the Poisson link, finite as in predict."""
    dtype = np.float64 if proto == onnx_proto.TensorProto.DOUBLE else np.float32
    cap = _scalar(scope, container, float(_LOG_MAX[np.dtype(dtype)]), proto)
    return _node(scope, container, "Exp", [_node(scope, container, "Min", [name, cap])])


#: The sub-graphs of the hidden activations that no single ONNX operator
#: computes as ``predict`` does, by the name their registry entry gives
#: (``_activations.HIDDEN_ACTIVATIONS``, field ``onnx``).
_SUBGRAPHS = {
    "identity": _identity,
    "leaky_relu": _leaky_relu,
    "elu": _elu,
    "gelu": _gelu,
    "silu": _silu,
    "softplus": _softplus,
}


def _hidden(name):
    """The converter of the hidden activation ``name``: its sub-graph, or
    the one operator its registry entry names."""
    op = HIDDEN_ACTIVATIONS[name].onnx
    return _SUBGRAPHS[op] if op in _SUBGRAPHS else _unary(op)


_OUTPUT = {
    "identity": _identity,
    "logistic": _unary("Sigmoid"),
    "softmax": _unary("Softmax", axis=1),
    "exp": _capped_exp,
}


def _proto(operator):
    """The graph's float type: float32 for float32 input; float64 for float64
    and for integer or boolean input (scikit-learn predicts those in float64);
    with a TabularEncoder, the encoder's (the network computes in it)."""
    encoder = getattr(operator.raw_operator, "input_encoder_", None)
    if encoder is not None:
        if encoder.dtype == np.float32:
            return onnx_proto.TensorProto.FLOAT
        return onnx_proto.TensorProto.DOUBLE
    proto = guess_proto_type(operator.inputs[0].type)
    if proto == onnx_proto.TensorProto.FLOAT:
        return proto
    return onnx_proto.TensorProto.DOUBLE


# ------------------------------------------------------------- regressor


def _regressor_shapes(operator):
    kind = (
        DoubleTensorType if _proto(operator) == onnx_proto.TensorProto.DOUBLE else FloatTensorType
    )
    n_rows = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = kind([n_rows, operator.raw_operator.n_outputs_])


def _convert_regressor(scope, operator, container):
    est = operator.raw_operator
    _check_operator_inputs(operator)  # skl2onnx's own pipeline conversion comes here
    proto = _proto(operator)
    raw = _forward(scope, container, est, operator.inputs, proto)
    dtype = np.float64 if proto == onnx_proto.TensorProto.DOUBLE else np.float32
    scale = getattr(est, "target_scale_", None)
    if scale is not None:
        # Back from the standardised units the network learned in, as predict does.
        scale, mean = (
            _constant(scope, container, np.asarray(b, dtype)[None], proto)
            for b in (scale, est.target_mean_)
        )
        raw = _node(scope, container, "Add", [_node(scope, container, "Mul", [raw, scale]), mean])
    target_range = getattr(est, "target_range_", None)
    if est.clip_predictions and target_range is not None:
        # Into the training targets' range, as predict does.
        low, high = (
            _constant(scope, container, np.asarray(b, dtype)[None], proto) for b in target_range
        )
        raw = _node(scope, container, "Min", [_node(scope, container, "Max", [raw, low]), high])
    _node(scope, container, "Identity", [raw], operator.outputs[0].full_name)


# ------------------------------------------------------------ classifier


def _is_multilabel(est):
    return est._label_binarizer.y_type_ == "multilabel-indicator"


def _classifier_shapes(operator):
    est = operator.raw_operator
    if getattr(est, "input_encoder_", None) is None:
        calculate_linear_classifier_output_shapes(operator)
    else:  # one input per raw column, which skl2onnx's calculator refuses
        n_rows = operator.inputs[0].get_first_dimension()
        strings = est.classes_.dtype.kind in "OUS"
        operator.outputs[0].type = (StringTensorType if strings else Int64TensorType)([n_rows])
        operator.outputs[1].type = FloatTensorType([n_rows, len(est.classes_)])
    # skl2onnx declares float32 probabilities for integer input; the graph
    # computes them in its own float type (see _proto), and gives them in
    # it unless ZipMap (float32 only) takes them.
    probabilities = operator.outputs[1]
    double = _proto(operator) == onnx_proto.TensorProto.DOUBLE
    if double and not _zipmapped_integers(operator) and hasattr(probabilities.type, "shape"):
        probabilities.type = DoubleTensorType(probabilities.type.shape)
    if _is_multilabel(est):
        n_rows = operator.inputs[0].get_first_dimension()
        operator.outputs[0].type = Int64TensorType([n_rows, len(est.classes_)])


def _zipmapped_integers(operator):
    """Whether the probabilities leave the graph as float32 for ZipMap,
    though the graph computes in float64: integer or boolean input under
    skl2onnx's default ``zipmap=True``. skl2onnx's converter of
    scikit-learn's MLP computes such input in float32; here it is computed
    in float64 as ``predict_proba`` does, and only the probabilities ZipMap
    reads are rounded to float32."""
    est = operator.raw_operator
    if getattr(est, "input_encoder_", None) is not None:
        return False
    if isinstance(operator.inputs[0].type, (FloatTensorType, DoubleTensorType)):
        return False
    return bool(operator.scope_inst.get_options(est, dict(zipmap=True))["zipmap"])


def _class_labels(est, nocl):
    """The classes as an ONNX tensor type and values (numbers as int64, as
    skl2onnx does: a classifier's float labels are integers anyway);
    with skl2onnx's ``nocl`` option, the class indices."""
    classes = np.arange(len(est.classes_)) if nocl else est.classes_
    if classes.dtype.kind in "OUS":
        return onnx_proto.TensorProto.STRING, [str(c).encode("utf-8") for c in classes]
    return onnx_proto.TensorProto.INT64, classes.astype(np.int64).tolist()


def _convert_classifier(scope, operator, container):
    est = operator.raw_operator
    _check_operator_inputs(operator)
    proto = _proto(operator)
    label_out, proba_out = operator.outputs[0].full_name, operator.outputs[1].full_name
    rounded = _zipmapped_integers(operator)
    if (
        proto == onnx_proto.TensorProto.DOUBLE
        and container.get_options(est, dict(zipmap=True))["zipmap"]
        and not rounded
    ):
        raise ValueError(
            "ONNX's ZipMap takes float32 probabilities: with float64 input (a float64 "
            "X_sample, or skl2onnx's DoubleTensorType) the graph computes them in "
            "float64, so zipmap=True cannot be built; set zipmap=False (probabilities "
            "as one tensor), or give float32 input."
        )
    raw = _forward(scope, container, est, operator.inputs, proto)
    proba = scope.get_unique_variable_name("probabilities") if rounded else proba_out
    if est.n_outputs_ == 1:  # binary: the unit is the positive class's probability
        negative = _node(scope, container, "Sub", [_scalar(scope, container, 1.0, proto), raw])
        _node(scope, container, "Concat", [negative, raw], proba, axis=1)
    else:
        _node(scope, container, "Identity", [raw], proba)
    if rounded:  # for ZipMap, which takes float32 only
        _node(scope, container, "Cast", [proba], proba_out, to=onnx_proto.TensorProto.FLOAT)
    if _is_multilabel(est):  # each label on where its probability is above 0.5
        on = _node(scope, container, "Greater", [raw, _scalar(scope, container, 0.5, proto)])
        _node(scope, container, "Cast", [on], label_out, to=onnx_proto.TensorProto.INT64)
        return
    kind, labels = _class_labels(est, container.get_options(est, dict(nocl=False))["nocl"])
    classes = scope.get_unique_variable_name("classes")
    container.add_initializer(classes, kind, [len(labels)], labels)
    best = _node(scope, container, "ArgMax", [proba], axis=1)
    chosen = _node(
        scope, container, "ArrayFeatureExtractor", [classes, best], op_domain="ai.onnx.ml"
    )
    shape = _constant(scope, container, np.array([-1]), onnx_proto.TensorProto.INT64)
    _node(scope, container, "Reshape", [chosen, shape], label_out)


update_registered_converter(
    MLPRegressor, "SknnScratchMLPRegressor", _regressor_shapes, _convert_regressor
)
update_registered_converter(
    MLPClassifier,
    "SknnScratchMLPClassifier",
    _classifier_shapes,
    _convert_classifier,
    options={"zipmap": [True, False, "columns"], "nocl": [True, False]},
)
