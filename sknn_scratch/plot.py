"""Pictures that teach: networks with their weights and values, activation
curves, training curves.

- :func:`plot_network` draws an estimator (fitted, or built by hand with
  ``from_weights``) as layers of nodes joined by every connection, each
  weight written on its edge and encoded by colour (sign) and width
  (magnitude); given one input row, every node shows its value.
- :func:`plot_activations` draws each hidden activation and its derivative,
  computed by the very functions the network trains with.
- :func:`plot_training` draws the loss curve, with the validation records
  and the best epoch where the fit kept them.

Each returns a display object holding the Matplotlib ``figure_`` and
``ax_`` (as scikit-learn's ``Display`` classes do), so a figure can be
restyled after it is drawn. Needs the ``plot`` extra (matplotlib):
``pip install 'sknn-scratch[plot]'``.
"""

from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_is_fitted

try:
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, FancyBboxPatch
except ImportError:
    raise ImportError(
        "sknn_scratch.plot needs matplotlib: pip install 'sknn-scratch[plot]'"
    ) from None

from ._activations import HIDDEN_ACTIVATIONS

__all__ = [
    "NetworkDisplay",
    "ActivationsDisplay",
    "TrainingDisplay",
    "plot_network",
    "plot_activations",
    "plot_training",
]

#: Edge colours by the sign of the weight.
POSITIVE, NEGATIVE, ZERO = "#1f77b4", "#d62728", "#999999"
#: Layout, in data units: between layers, between the nodes of a layer, and
#: a node's radius.
DX, DY, RADIUS = 3.2, 1.4, 0.42
#: Up to this many connections, the weights are written (show_weights=None).
MAX_WRITTEN = 24


# ------------------------------------------------------------- networks


def plot_network(est, x=None, *, ax=None, max_units=12, show_weights=None, digits=3):
    """Draw a network: its layers, every connection, and its values on one row.

    Parameters
    ----------
    est : MLPRegressor or MLPClassifier
        A fitted estimator, or one built with ``from_weights``.
    x : array-like of shape (n_features,) or (1, n_features), default=None
        One input row. When given, each input node shows its value, each
        hidden node its weighted sum ``z`` and its value ``f(z)`` (one
        number when the activation leaves it unchanged), and each output
        node the prediction (for a classifier, the probability of its class).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    max_units : int, default=12
        Widest layer drawn node by node. A network with a wider layer is
        drawn as a summary instead, one box per layer with its units and
        activation, and the figure says so: thousands of edges would only
        make a hairball.
    show_weights : bool or None, default=None
        Write each weight (and each non-zero bias) as a number. None: when
        the network has at most 24 connections.
    digits : int, default=3
        Significant digits of the numbers written.

    Returns
    -------
    display : NetworkDisplay
        Holds ``figure_``, ``ax_``, and the drawn artists by position:
        ``nodes_`` and ``node_texts_`` keyed by ``(layer, unit)``,
        ``edges_`` and ``weight_texts_`` keyed by ``(layer, i, j)`` (the
        weight from unit ``i`` of ``layer`` to unit ``j`` of the next).

    Examples
    --------
    >>> from sknn_scratch import MLPRegressor
    >>> from sknn_scratch.plot import plot_network
    >>> net = MLPRegressor.from_weights([[[1, -1], [1, 1]], [[2], [-1]]],
    ...                                 activation="identity")
    >>> display = plot_network(net, [2, 3])
    >>> len(display.edges_), display.node_texts_[2, 0].get_text()
    (6, '9')
    """
    return NetworkDisplay.from_estimator(
        est, x, ax=ax, max_units=max_units, show_weights=show_weights, digits=digits
    )


class NetworkDisplay:
    """A drawn network (see :func:`plot_network`, which builds it).

    Parameters
    ----------
    coefs, intercepts : list of ndarray
        The weights and biases, as an estimator's ``coefs_`` and
        ``intercepts_``.
    activations : list of str
        The activation of each hidden layer, then the output's.
    input_names, output_names : list of str
        Labels of the input and output nodes.
    values : list of tuple or None
        Per layer, ``(sums, outputs)`` of the drawn row (``sums`` None
        where the layer has none: the inputs).
    """

    def __init__(self, coefs, intercepts, activations, input_names, output_names, values=None):
        self.coefs, self.intercepts = coefs, intercepts
        self.activations = activations
        self.input_names, self.output_names = input_names, output_names
        self.values = values

    @classmethod
    def from_estimator(cls, est, x=None, *, ax=None, max_units=12, show_weights=None, digits=3):
        """Draw ``est`` (see :func:`plot_network` for the parameters)."""
        check_is_fitted(est)
        network = est.network_
        coefs = [np.asarray(c, dtype=float) for c in network.coefs]
        intercepts = [np.asarray(b, dtype=float) for b in network.intercepts]
        names = [layer.name for layer in network.layers if layer.activates]
        names.append(est.out_activation_)
        display = cls(coefs, intercepts, names, _input_names(est), _output_names(est))
        if x is not None:
            display.values = _values_of_row(est, x)
        return display.plot(ax=ax, max_units=max_units, show_weights=show_weights, digits=digits)

    @property
    def units(self):
        return [self.coefs[0].shape[0]] + [c.shape[1] for c in self.coefs]

    def plot(self, ax=None, *, max_units=12, show_weights=None, digits=3):
        """Draw on ``ax`` (a new figure when None); return ``self``."""
        if not isinstance(max_units, Integral) or max_units < 1:
            raise ValueError(f"max_units must be a positive integer, got {max_units!r}.")
        if ax is None:
            summary = max(self.units) > max_units
            layers = len(self.units)
            height = 3.0 if summary else 0.75 * DY * max(self.units) + 1.4
            _, ax = plt.subplots(figsize=(0.75 * DX * layers + 1.2, height))
        self.ax_, self.figure_ = ax, ax.figure
        self.nodes_, self.node_texts_, self.edges_, self.weight_texts_ = {}, {}, {}, {}
        self.digits = digits
        self.summary_ = max(self.units) > max_units
        if self.summary_:
            self._draw_summary(max_units)
        else:
            n_edges = sum(c.size for c in self.coefs)
            write = n_edges <= MAX_WRITTEN if show_weights is None else bool(show_weights)
            self._draw_edges(write)
            self._draw_nodes(write)
        self._finish_axes()
        return self

    # -- node by node

    def _positions(self):
        """``(x, y)`` of every node: layers left to right, units top down."""
        return {
            (layer, unit): (DX * layer, DY * ((n - 1) / 2.0 - unit))
            for layer, n in enumerate(self.units)
            for unit in range(n)
        }

    def _draw_edges(self, write_weights):
        at = self._positions()
        largest = max(float(np.abs(c).max()) for c in self.coefs) or 1.0
        for layer, coef in enumerate(self.coefs):
            # (Weights start further out where the source shows "sum -> value".)
            start = 0.32 if write_weights and self._two_lines(layer) else 0.2
            for (i, j), weight in np.ndenumerate(coef):
                (x0, y0), (x1, y1) = at[layer, i], at[layer + 1, j]
                (line,) = self.ax_.plot(
                    [x0, x1],
                    [y0, y1],
                    color=_sign_colour(weight),
                    linewidth=0.6 + 3.4 * abs(weight) / largest,
                    zorder=1,
                )
                self.edges_[layer, i, j] = line
                if write_weights:
                    # Near the source, where edges have not crossed yet, and
                    # staggered by target so that a node's numbers do not stack.
                    t = start + 0.16 * j / max(coef.shape[1] - 1, 1)
                    self.weight_texts_[layer, i, j] = self.ax_.text(
                        x0 + t * (x1 - x0),
                        y0 + t * (y1 - y0),
                        self._number(weight),
                        fontsize=8,
                        color=_sign_colour(weight),
                        ha="center",
                        va="center",
                        zorder=3,
                        bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none"},
                    )

    def _draw_nodes(self, write_biases):
        for (layer, unit), (x, y) in self._positions().items():
            node = Circle((x, y), RADIUS, facecolor=_node_colour(layer, self.units), zorder=2)
            node.set_edgecolor("black")
            self.ax_.add_patch(node)
            self.nodes_[layer, unit] = node
            label = self._node_label(layer, unit)
            self.node_texts_[layer, unit] = self.ax_.text(
                x, y, label, ha="center", va="center", fontsize=8 if "\n" in label else 9, zorder=4
            )
            bias = self.intercepts[layer - 1][unit] if layer else 0.0
            if write_biases and bias:
                self.ax_.text(
                    x,
                    y - RADIUS - 0.08,
                    f"b={self._number(bias)}",
                    ha="center",
                    va="top",
                    fontsize=7,
                )
            if layer == 0 or layer == len(self.units) - 1:
                name = (self.input_names if layer == 0 else self.output_names)[unit]
                side = -RADIUS - 0.12 if layer == 0 else RADIUS + 0.12
                self.ax_.text(
                    x + side, y, name, ha="right" if layer == 0 else "left", va="center", fontsize=9
                )

    def _two_lines(self, layer):
        """Whether some node of ``layer`` shows its sum and its value."""
        return any("\n" in self._node_label(layer, unit) for unit in range(self.units[layer]))

    def _node_label(self, layer, unit):
        """The value(s) a node shows for the drawn row; empty without one."""
        if self.values is None:
            return ""
        sums, outputs = self.values[layer]
        value = self._number(outputs[unit])
        if sums is None or np.isclose(sums[unit], outputs[unit]):
            return value
        return f"{self._number(sums[unit])}\n→ {value}"

    # -- summary of wide networks

    def _draw_summary(self, max_units):
        units = self.units
        for layer, n in enumerate(units):
            x = DX * layer
            box = FancyBboxPatch(
                (x - 0.6, -1.2), 1.2, 2.4, boxstyle="round,pad=0.05", facecolor="#f0f0f0", zorder=2
            )
            self.ax_.add_patch(box)
            self.nodes_[layer, None] = box
            kind = "inputs" if layer == 0 else self.activations[layer - 1]
            label = f"{n} unit{'s' if n > 1 else ''}\n{kind}"
            if self.values is not None:
                label += "\n" + self._layer_summary(layer)
            self.node_texts_[layer, None] = self.ax_.text(
                x, 0, label, ha="center", va="center", fontsize=8, zorder=4
            )
        for layer, coef in enumerate(self.coefs):
            x0 = DX * layer + 0.65
            arrow = self.ax_.annotate(
                "", (x0 + DX - 1.3, 0), (x0, 0), arrowprops={"arrowstyle": "->", "lw": 1.5}
            )
            self.edges_[layer, None, None] = arrow
            self.weight_texts_[layer, None, None] = self.ax_.text(
                x0 + (DX - 1.3) / 2,
                0.35,
                f"{coef.shape[0]}×{coef.shape[1]}\n|w|≤{self._number(np.abs(coef).max())}",
                ha="center",
                fontsize=7,
            )
        self.ax_.set_title(
            f"summary: a layer has more than max_units={max_units} units, so each layer "
            "is drawn as one box",
            fontsize=9,
        )

    def _layer_summary(self, layer):
        _, outputs = self.values[layer]
        if layer and self.activations[layer - 1] == "relu":
            return f"{int(np.count_nonzero(outputs))} active"
        return f"mean {self._number(float(np.mean(outputs)))}"

    def _finish_axes(self):
        self.ax_.set_aspect("equal")
        self.ax_.autoscale_view()
        self.ax_.axis("off")
        units = self.units
        if not self.summary_:
            top = DY * (max(units) - 1) / 2.0 + RADIUS + 0.25
            for layer in range(len(units)):
                self.ax_.text(
                    DX * layer,
                    top,
                    _layer_title(layer, units, self.activations),
                    ha="center",
                    va="bottom",
                    fontsize=9,
                    weight="bold",
                )
            self.ax_.set_xlim(-1.6, DX * (len(units) - 1) + 1.6)
            self.ax_.set_ylim(-top - 0.4, top + 0.7)
        else:
            self.ax_.set_xlim(-1.0, DX * (len(units) - 1) + 1.0)
            self.ax_.set_ylim(-1.6, 1.9)

    def _number(self, value):
        return format(float(value), f".{self.digits}g")


def _sign_colour(weight):
    if weight > 0:
        return POSITIVE
    return NEGATIVE if weight < 0 else ZERO


def _node_colour(layer, units):
    if layer == 0:
        return "#e8f1fa"
    return "#fdf0d5" if layer == len(units) - 1 else "#ffffff"


def _layer_title(layer, units, activations):
    if layer == 0:
        return "input"
    if layer == len(units) - 1:
        return f"output\n({activations[-1]})"
    return f"hidden {layer}\n({activations[layer - 1]})"


def _output_names(est):
    classes = getattr(est, "classes_", None)
    n_outputs = est.network_.units[-1]
    if classes is None:
        return ["ŷ"] if n_outputs == 1 else [f"ŷ{k}" for k in range(n_outputs)]
    if isinstance(classes, list) or n_outputs != 1:  # multilabel or softmax units
        labels = range(n_outputs) if isinstance(classes, list) else classes
        return [f"P({label})" for label in labels]
    return [f"P({classes[1]})"]  # one logistic unit: the positive class


def _input_names(est):
    """Names of what the first dense layer reads: the input columns, the
    input encoder's columns, and each embedded number's learned features."""
    encoder = getattr(est, "input_encoder_", None)
    if encoder is not None:
        names = [str(f) for f in encoder.get_feature_names_out()]
    else:
        names = [str(f) for f in getattr(est, "feature_names_in_", [])]
    network = est.network_
    layers = network.input_layers
    names = names or [f"x{i}" for i in range(layers[0].units if layers else network.units[0])]
    for layer in layers:
        names = layer.names_out(names)
    return names


def _values_of_row(est, x):
    """Per layer, ``(sums, outputs)`` of one input row."""
    # A raw row (a DataFrame's, with text) for an input encoder; numbers otherwise.
    row = x if hasattr(x, "columns") else np.asarray(x, dtype=object if _encodes(est) else float)
    if row.ndim == 1:
        row = row.reshape(1, -1)
    if row.shape[0] != 1:
        raise ValueError(f"x must be one input row; got {row.shape[0]} rows.")
    # What the first dense layer reads (after any encoding and input layers).
    network = est.network_
    inputs = network.through_inputs(est._validated_input(row))
    sums, hidden = est.hidden_activations(row, pre_activation=True)
    last = hidden[-1] if hidden else inputs
    raw = np.asarray(last @ network.coefs[-1] + network.intercepts[-1], dtype=float)
    outputs = _final_outputs(est, row)
    values = [(None, inputs[0].astype(float))]
    values += [(z[0], a[0]) for z, a in zip(sums, hidden)]
    values.append((raw[0], outputs))
    return values


def _encodes(est):
    return getattr(est, "input_encoder_", None) is not None


def _final_outputs(est, row):
    """What the output nodes hold after the output activation."""
    if hasattr(est, "predict_proba"):
        proba = est.predict_proba(row)[0]
        single = est.network_.units[-1] == 1 and not isinstance(est.classes_, list)
        return proba[1:] if single else proba
    return np.atleast_1d(est.predict(row)[0]).astype(float)


# ---------------------------------------------------------- activations


def plot_activations(names=None, *, z=None, axes=None):
    """Draw each hidden activation ``f(z)`` and its derivative ``f'(z)``.

    Both come from the functions the network trains with (the registry of
    ``sknn_scratch._activations``): ``f`` is the forward function, and
    ``f'`` is the derivative function applied to a gradient of ones, exactly
    as backpropagation applies it.

    Parameters
    ----------
    names : list of str or None, default=None
        Which activations; None for all of them.
    z : array-like or None, default=None
        Where to evaluate them; None for 401 points on [-4, 4].
    axes : array of matplotlib Axes or None, default=None
        One Axes per activation; a new figure when None.

    Returns
    -------
    display : ActivationsDisplay
        Holds ``figure_``, ``axes_`` (keyed by name) and ``curves_``: for
        each name, ``(z, f(z), f'(z))``.

    Examples
    --------
    >>> from sknn_scratch.plot import plot_activations
    >>> display = plot_activations(["relu", "tanh"])
    >>> z, f, slope = display.curves_["relu"]
    >>> float(f[z == 2.0][0]), float(slope[z == 2.0][0]), float(slope[z == -2.0][0])
    (2.0, 1.0, 0.0)
    """
    names = list(HIDDEN_ACTIVATIONS) if names is None else list(names)
    unknown = [name for name in names if name not in HIDDEN_ACTIVATIONS]
    if unknown:
        raise ValueError(
            f"Unknown activation(s) {unknown}; choose among {sorted(HIDDEN_ACTIVATIONS)}."
        )
    z = np.linspace(-4.0, 4.0, 401) if z is None else np.asarray(z, dtype=float).ravel()
    if axes is None:
        columns = min(3, len(names))
        rows = -(-len(names) // columns)
        _, axes = plt.subplots(rows, columns, figsize=(3.6 * columns, 2.8 * rows), squeeze=False)
    axes = np.ravel(axes)
    display = ActivationsDisplay()
    display.figure_, display.axes_, display.curves_ = axes[0].figure, {}, {}
    for ax, name in zip(axes, names):
        f, slope = activation_and_slope(name, z)
        ax.plot(z, f, label="f(z)", color=POSITIVE)
        ax.plot(z, slope, "--", label="f'(z)", color="#ff7f0e")
        ax.axhline(0, color="#cccccc", lw=0.8, zorder=0)
        ax.axvline(0, color="#cccccc", lw=0.8, zorder=0)
        ax.set_title(name)
        ax.set_xlabel("z")
        display.axes_[name], display.curves_[name] = ax, (z, f, slope)
    axes[0].legend(loc="upper left", fontsize=8)
    for ax in axes[len(names) :]:
        ax.axis("off")
    display.figure_.tight_layout()
    return display


class ActivationsDisplay:
    """Drawn activation curves (see :func:`plot_activations`)."""


def activation_and_slope(name, z):
    """``f(z)`` and ``f'(z)`` of a hidden activation, by the training code."""
    activation = HIDDEN_ACTIVATIONS[name]
    Z = np.array(z, dtype=float).reshape(-1, 1)
    work = np.empty_like(Z)
    A = activation.forward(Z, work)
    slope = np.ones_like(A)
    activation.derivative(A, slope, work)  # delta of ones becomes f'(z)
    return A.ravel().copy(), slope.ravel()


# ------------------------------------------------------------- training


def plot_training(est, *, ax=None):
    """Draw what a fit recorded, epoch by epoch.

    The training objective ``loss_curve_``; where recorded, the validation
    objective ``validation_loss_curve_`` on the same axis, the validation
    score ``validation_scores_`` on a second axis, the best epoch
    (``best_epoch_``) as a vertical line, and the epochs whose weights were
    averaged (``averaged_epochs_``) as points on the validation objective.
    The final learning rate
    ``learning_rate_`` (the rate of the next epoch) is written in the title.

    Parameters
    ----------
    est : MLPRegressor or MLPClassifier
        A fitted estimator.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.

    Returns
    -------
    display : TrainingDisplay
        Holds ``figure_``, ``ax_``, ``score_ax_`` (None without validation
        scores) and ``lines_``: the drawn curves keyed by the attribute
        they show (``"loss_curve_"``, ...).

    Examples
    --------
    >>> import numpy as np
    >>> from sknn_scratch import MLPRegressor
    >>> from sknn_scratch.plot import plot_training
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 3))
    >>> reg = MLPRegressor(early_stopping=True, n_iter_no_change=3, random_state=0)
    >>> reg = reg.fit(X, X.sum(axis=1))
    >>> display = plot_training(reg)
    >>> sorted(display.lines_)
    ['best_epoch_', 'loss_curve_', 'validation_loss_curve_', 'validation_scores_']
    >>> len(display.lines_["loss_curve_"].get_xdata()) == reg.n_iter_
    True
    """
    check_is_fitted(est)
    if not est.loss_curve_:
        raise ValueError("The estimator has no loss_curve_ to draw: it was never trained.")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.8))
    display = TrainingDisplay()
    display.figure_, display.ax_, display.score_ax_, display.lines_ = ax.figure, ax, None, {}
    epochs = np.arange(1, len(est.loss_curve_) + 1)
    (display.lines_["loss_curve_"],) = ax.plot(epochs, est.loss_curve_, label="training J")
    curve = getattr(est, "validation_loss_curve_", None)
    if curve:
        (display.lines_["validation_loss_curve_"],) = ax.plot(
            epochs[-len(curve) :], curve, label="validation J"
        )
    ax.set(xlabel="epoch", ylabel="objective J")
    if min(est.loss_curve_) > 0:
        ax.set_yscale("log")
    scores = getattr(est, "validation_scores_", None)
    if scores:
        display.score_ax_ = ax.twinx()
        (display.lines_["validation_scores_"],) = display.score_ax_.plot(
            epochs[-len(scores) :], scores, ":", color="#2ca02c", label="validation score"
        )
        display.score_ax_.set_ylabel("validation score (higher is better)")
    _mark_kept_epochs(display, est, curve, scores)
    handles = [line for line in display.lines_.values()]
    ax.legend(handles, [h.get_label() for h in handles], fontsize=8, loc="center right")
    rate = getattr(est, "learning_rate_", None)
    title = type(est).__name__ + (f": final learning rate {rate:.3g}" if rate is not None else "")
    ax.set_title(title, fontsize=10)
    display.figure_.tight_layout()
    return display


def _mark_kept_epochs(display, est, curve, scores):
    """The best epoch as a vertical line, and the epochs whose mean the
    weights are (``average_epochs``) as points on the validation objective."""
    ax = display.ax_
    best = getattr(est, "best_epoch_", None)
    averaged = getattr(est, "averaged_epochs_", None)
    if best is not None and scores:
        start = len(est.loss_curve_) - len(scores)
        label = (
            f"best epoch, kept ({best})"
            if getattr(est, "early_stopping", False) and not averaged
            else f"best validation score (epoch {best})"
        )
        display.lines_["best_epoch_"] = ax.axvline(
            start + best, color="#555555", ls="--", lw=1, label=label
        )
    if averaged and curve:
        start = len(est.loss_curve_) - len(curve)
        (display.lines_["averaged_epochs_"],) = ax.plot(
            [start + e for e in averaged],
            [curve[e - 1] for e in averaged],
            "o",
            color="#d62728",
            markersize=4,
            label="averaged, kept (" + ", ".join(map(str, averaged)) + ")",
        )


class TrainingDisplay:
    """Drawn training records (see :func:`plot_training`)."""


def overlapping_labels(figure, tolerance=1.0):
    """The pairs of texts that overlap on ``figure``, axis by axis, as
    ``(axis title, text, text)``: each text's box as drawn (its bounding
    box, if it has one), two boxes overlapping by more than ``tolerance``
    pixels each way. Used by the tests and ``make docs-check``, so that no
    figure prints one number over another."""
    renderer = figure.canvas.get_renderer()
    found = []
    for ax in figure.axes:
        texts = [t for t in ax.texts if t.get_visible() and t.get_text().strip()]
        boxes = [_drawn_box(t, renderer) for t in texts]
        for i, (a, box_a) in enumerate(zip(texts, boxes)):
            for b, box_b in zip(texts[i + 1 :], boxes[i + 1 :]):
                dx = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
                dy = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
                if dx > tolerance and dy > tolerance:
                    found.append((ax.get_title(), a.get_text(), b.get_text()))
    return found


def _drawn_box(text, renderer):
    patch = text.get_bbox_patch()
    if patch is not None:
        text.update_bbox_position_size(renderer)
        return patch.get_window_extent(renderer)
    return text.get_window_extent(renderer)
