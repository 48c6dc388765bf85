"""Input layers: what stands between the data and the first dense layer.

Each turns the input columns into the first dense layer's input: the
piecewise-linear encoding of numbers over quantile bins, the periodic
embedding of numbers, the embedding of wide categorical blocks, the
per-column scaling, and the members of an ensemble. They follow the
layer protocol of :mod:`sknn_scratch._layers` (forward and backward side
by side); each also says how its output columns are named
(``names_out``) and where an input column ends up (``position_of``), which
the drawing, the ONNX export and the next input layer read.

:func:`input_layers` builds them, in the order they run, from plain
values: the training rows, which columns are numbers, which one-hot blocks
are wide categories, and the settings.
"""

import numpy as np

from ._protocol import Layer


class Scale(Layer):
    """``out = A * s``: one learned factor per input column, starting at 1.

    RealMLP's scaling layer, a soft feature selection: with its own, larger
    learning rate (``group_learning_rates={"scales": ...}``) a column that
    does not help is turned down faster than the dense weights behind it
    could learn to ignore it. Backward::

        dJ/ds_j = sum_i A_ij delta_ij        dJ/dA = delta * s
    """

    kind = "scale"

    def __init__(self, units, first=True):
        self.units, self.first = units, first

    @property
    def units_out(self):
        return self.units

    def parameter_shapes(self):
        return (("scales", (self.units,)),)

    def slot_shapes(self):
        return {"out": self.units, "delta_in": None if self.first else self.units}

    def initial_parameters(self, rng, dtype):
        return (np.ones(self.units, dtype=dtype),)

    def names_out(self, names):
        """The names of the output columns, given those of the input's."""
        return list(names)

    def forward(self, A, params, slot):
        out = slot.out if slot.out is not None else np.empty_like(A)
        return np.multiply(A, params[0], out=out)

    def backward(self, A, out, delta, params, grads, slot):
        np.einsum("ij,ij->j", A, delta, out=grads[0])
        if self.first:
            return None
        return np.multiply(delta, params[0], out=slot.delta_in)

    def bound(self, value_bound, params, scratch=None):
        return value_bound * float(np.abs(params[0]).max(initial=0.0))


class PeriodicEmbedding(Layer):
    """Each chosen input column ``x_j`` becomes ``p`` learned features of
    ``k`` periodic ones, followed by every input column unchanged (RealMLP's
    "PBLD" numerical embedding, Holzmüller et al., 2024)::

        P_jl = 2 pi w_jl x_j + b_jl                  (l = 1..k)
        h_j  = cos(P_j) @ L_j + c_j                  (k -> p, per column)
        out  = [h_1, ..., h_m, A]

    ``w ~ N(0, sigma^2)`` are frequencies, ``b ~ U[-pi, pi]`` phases,
    ``L_j`` and ``c_j`` a small linear map per column. Low frequencies
    (``sigma = 0.1`` on robustly scaled inputs) give smooth features; the
    learned ones can sharpen, which lets the network draw the thresholds
    that trees find easily. Backward, with ``dH`` the part of ``delta`` for
    the ``h``::

        dJ/dL_j = cos(P_j)^T dH_j        dJ/dc_j = 1^T dH_j
        dP      = -sin(P) * (dH_j @ L_j^T)
        dJ/dw_jl = 2 pi sum_i dP_ijl x_ij      dJ/db_jl = sum_i dP_ijl

    It reads the data directly, so it is the first layer, and nothing needs
    the gradient with respect to its input.
    """

    kind = "periodic"

    def __init__(self, units, columns, n_frequencies=16, n_features=3, sigma=0.1):
        self.units, self.columns = units, np.asarray(columns, dtype=np.intp)
        self.k, self.p, self.sigma = n_frequencies, n_features, sigma
        self.m = len(self.columns)
        self.first = True

    @property
    def units_out(self):
        return self.m * self.p + self.units

    def parameter_shapes(self):
        m, k, p = self.m, self.k, self.p
        return (
            ("embedding", (m, k)),  # frequencies w
            ("embedding", (m, k)),  # phases b
            ("embedding", (m, k, p)),  # maps L
            ("embedding", (m, p)),  # offsets c
        )

    def slot_shapes(self):
        # work: cos(P) then sin(P), for the backward pass.
        return {"out": self.units_out, "work": 2 * self.m * self.k}

    def initial_parameters(self, rng, dtype):
        m, k, p = self.m, self.k, self.p
        limit = 1.0 / np.sqrt(k)
        return tuple(
            a.astype(dtype)
            for a in (
                rng.normal(0.0, self.sigma, (m, k)),
                rng.uniform(-np.pi, np.pi, (m, k)),
                rng.uniform(-limit, limit, (m, k, p)),
                rng.uniform(-limit, limit, (m, p)),
            )
        )

    def position_of(self, columns):
        """Where input columns are in the output: after the features."""
        return np.asarray(columns) + self.m * self.p

    def names_out(self, names):
        """Each embedded column's features ``name~1..p``, then every column."""
        embedded = [names[j] for j in self.columns]
        return [f"{n}~{i + 1}" for n in embedded for i in range(self.p)] + list(names)

    def _phases(self, A, params):
        """``P`` laid out column by column, ``(m, n, k)``: every product
        below is then one batched matrix product over the ``m`` columns."""
        frequencies, phases = params[0], params[1]
        x = A[:, self.columns].T[:, :, None]
        return (2 * np.pi) * x * frequencies[:, None, :] + phases[:, None, :]

    def _cos_sin(self, work, n):
        """``cos(P)`` and ``sin(P)``, ``(m, n, k)`` each, in the (contiguous)
        work array of the batch."""
        flat, size = work.reshape(-1), self.m * n * self.k
        return flat[:size].reshape(self.m, n, self.k), flat[size : 2 * size].reshape(
            self.m, n, self.k
        )

    def forward(self, A, params, slot):
        n, m, p = A.shape[0], self.m, self.p
        out = slot.out if slot.out is not None else np.empty((n, self.units_out), A.dtype)
        P = self._phases(A, params)
        if slot.work is not None:
            C, S = self._cos_sin(slot.work, n)
            np.cos(P, out=C)
            np.sin(P, out=S)
        else:
            C = np.cos(P, out=P)
        H = np.matmul(C, params[2])  # (m, n, p)
        H += params[3][:, None, :]
        out[:, : m * p].reshape(n, m, p)[...] = H.transpose(1, 0, 2)
        out[:, m * p :] = A
        return out

    def backward(self, A, out, delta, params, grads, slot):
        n, m, p = A.shape[0], self.m, self.p
        C, S = self._cos_sin(slot.work, n)
        dH = delta[:, : m * p].reshape(n, m, p).transpose(1, 0, 2)  # (m, n, p)
        np.matmul(C.transpose(0, 2, 1), dH, out=grads[2])
        np.sum(dH, axis=1, out=grads[3])
        dP = np.matmul(dH, params[2].transpose(0, 2, 1))  # (m, n, k)
        dP *= S
        dP *= -2 * np.pi  # d cos = -sin; the 2 pi of the phases, for w only below
        x = np.ascontiguousarray(A[:, self.columns].T)[:, None, :]  # (m, 1, n)
        grads[0][...] = np.matmul(x, dP)[:, 0, :]
        phase_grads = np.sum(dP, axis=1, out=grads[1])
        phase_grads /= 2 * np.pi
        return None

    def bound(self, value_bound, params, scratch=None):
        # |h_j| <= sum_l |L_jl| + |c_j| (|cos| <= 1); the raw columns pass.
        maps = np.abs(params[2]).sum(axis=1) + np.abs(params[3])
        return max(value_bound, float(maps.max(initial=0.0)))


class CategoryEmbedding(Layer):
    """Each wide one-hot block of the input (a categorical column with many
    categories) becomes ``d`` learned values, its category's row of a
    learned table ``E_j`` (RealMLP's embedding of large categories)::

        out = [A_kept, A_block1 @ E_1, ..., A_blockB @ E_B]

    ``A_kept`` are the other columns, in order. A one-hot row selects one
    row of ``E_j`` (none for an unseen or missing category: zeros). Compared
    with the block going straight into the first dense layer, categories
    share ``d`` directions instead of each having its own weights, which
    lets rare ones borrow from the others. Backward::

        dJ/dE_j = A_blockj^T delta_j      dJ/dA_kept = delta_kept      dJ/dA_blockj = delta_j E_j^T

    It comes after the numerical embeddings, which pass the one-hot columns
    through; the input's gradient is needed only below a learned layer
    (``first=False``).
    """

    kind = "category_embedding"

    def __init__(self, units, blocks, size, first=True):
        self.units, self.size, self.first = units, size, first
        self.blocks = [(int(start), int(stop)) for start, stop in blocks]
        inside = np.zeros(units, bool)
        for start, stop in self.blocks:
            inside[start:stop] = True
        self.kept = np.flatnonzero(~inside)

    @property
    def units_out(self):
        return len(self.kept) + self.size * len(self.blocks)

    def position_of(self, columns):
        """Where input columns (all among the kept ones) are in the output."""
        return np.searchsorted(self.kept, columns)

    def names_out(self, names):
        embedded = [names[start].split("=")[0] for start, _ in self.blocks]
        return [names[j] for j in self.kept] + [
            f"{n}~{i + 1}" for n in embedded for i in range(self.size)
        ]

    def parameter_shapes(self):
        return tuple(("embedding", (stop - start, self.size)) for start, stop in self.blocks)

    def slot_shapes(self):
        return {"out": self.units_out, "delta_in": None if self.first else self.units}

    def initial_parameters(self, rng, dtype):
        return tuple(
            rng.normal(0.0, 1.0, shape).astype(dtype) for _, shape in self.parameter_shapes()
        )

    def forward(self, A, params, slot):
        n, k = A.shape[0], len(self.kept)
        out = slot.out if slot.out is not None else np.empty((n, self.units_out), A.dtype)
        out[:, :k] = A[:, self.kept]
        for j, ((start, stop), table) in enumerate(zip(self.blocks, params)):
            at = k + j * self.size
            out[:, at : at + self.size] = A[:, start:stop] @ table
        return out

    def backward(self, A, out, delta, params, grads, slot):
        k = len(self.kept)
        for j, ((start, stop), grad) in enumerate(zip(self.blocks, grads)):
            at = k + j * self.size
            np.matmul(A[:, start:stop].T, delta[:, at : at + self.size], out=grad)
        if self.first:
            return None
        delta_in = slot.delta_in
        delta_in[:, self.kept] = delta[:, :k]
        for j, ((start, stop), table) in enumerate(zip(self.blocks, params)):
            at = k + j * self.size
            np.matmul(delta[:, at : at + self.size], table.T, out=delta_in[:, start:stop])
        return delta_in

    def bound(self, value_bound, params, scratch=None):
        sums = [float(np.abs(t).sum(axis=0).max(initial=0.0)) for t in params]
        return max([value_bound] + [value_bound * s for s in sums])


class PiecewiseLinear(Layer):
    """Each chosen input column ``x_j`` also as its piecewise-linear encoding
    over quantile bins (Gorishniy et al., 2022), after every input column
    unchanged::

        e_jt = clip((x_j - b_j,t-1) / (b_jt - b_j,t-1), 0, 1)      (t = 1..T_j)
        out  = [A, e_1, ..., e_m]

    ``b_j0 < ... < b_jT`` are quantiles of the column on the training rows;
    the first bin is not clipped below nor the last above, so values beyond
    the training range extrapolate linearly. A number becomes "how far past
    each quantile it is": the first dense layer then draws a threshold at
    any quantile with one weight, the shape trees find easily and a plain
    MLP on the raw number does not. It has no parameters (the first dense
    layer is its linear map) and reads the data, so it is the first layer.
    """

    kind = "piecewise_linear"
    fixed = True

    def __init__(self, units, columns, edges):
        self.units, self.columns = units, np.asarray(columns, dtype=np.intp)
        self.edges = [np.asarray(e, dtype=np.float64) for e in edges]
        self.first = True
        # Every bin of every column, flattened: its column, lower edge,
        # width and clipping limits.
        # (A column with no bins adds nothing; with none at all, the
        # empty arrays make the layer the identity.)
        bins = [(j, e[:-1], np.diff(e)) for j, e in zip(self.columns, self.edges)]
        bins.append((0, np.empty(0), np.empty(0)))
        self.bin_columns = np.concatenate([np.full(len(w), j) for j, _, w in bins]).astype(np.intp)
        self.lower = np.concatenate([lo for _, lo, _ in bins])
        self.width = np.concatenate([w for _, _, w in bins])
        first = np.concatenate([np.arange(len(w)) == 0 for _, _, w in bins])
        last = np.concatenate([np.arange(len(w)) == len(w) - 1 for _, _, w in bins])
        self.low_limit = np.where(first, -np.inf, 0.0)
        self.high_limit = np.where(last, np.inf, 1.0)

    @classmethod
    def from_data(cls, X, columns, n_bins):
        """Bins at the quantiles of each column of ``X``; a column with fewer
        than two distinct bins (a few values) is left out."""
        kept, edges = [], []
        for j in columns:
            values = X[:, j][~np.isnan(X[:, j])]
            if values.size == 0:
                continue
            e = np.unique(np.quantile(values, np.linspace(0.0, 1.0, n_bins + 1)))
            if len(e) >= 3:
                kept.append(j)
                edges.append(e)
        return cls(X.shape[1], kept, edges)

    @property
    def units_out(self):
        return self.units + len(self.lower)

    def position_of(self, columns):
        """Where input columns are in the output: where they were."""
        return np.asarray(columns)

    def names_out(self, names):
        """Every column, then each bin as ``name>lower edge``."""
        bins = [
            f"{names[j]}>{lower:.3g}" for j, e in zip(self.columns, self.edges) for lower in e[:-1]
        ]
        return list(names) + bins

    def parameter_shapes(self):
        return ()

    def slot_shapes(self):
        return {"out": self.units_out}

    def forward(self, A, params, slot):
        n = A.shape[0]
        out = slot.out if slot.out is not None else np.empty((n, self.units_out), A.dtype)
        out[:, : self.units] = A
        E = out[:, self.units :]
        lower, width = self.lower.astype(A.dtype), self.width.astype(A.dtype)
        # Column by column, broadcast over its bins: no gathered copy of the
        # inputs, one per bin (on flights' 196,000 rows, 112 bins: 88 MB).
        start = 0
        for j, edges in zip(self.columns, self.edges):
            stop = start + len(edges) - 1
            np.subtract(A[:, j, None], lower[start:stop], out=E[:, start:stop])
            start = stop
        E /= width
        # Every bin into [0, 1] but the first (not below) and last (not above)
        # of each column: with scalar bounds np.clip is 8x faster than with a
        # bound per column (16 against 138 us on 1,600 x 112 float32), so
        # those two bins are kept aside and clipped on their one side.
        firsts = np.flatnonzero(np.isneginf(self.low_limit))
        lasts = np.flatnonzero(np.isposinf(self.high_limit))
        first, last = E[:, firsts], E[:, lasts]
        np.clip(E, 0, 1, out=E)
        E[:, firsts] = np.minimum(first, 1, out=first)
        E[:, lasts] = np.maximum(last, 0, out=last)
        return out

    def backward(self, A, out, delta, params, grads, slot):
        return None  # no parameters, and nothing below it

    def bound(self, value_bound, params, scratch=None):
        # The clipped bins stay in [0, 1]; the first and last extrapolate.
        if not len(self.width):
            return value_bound
        reach = (value_bound + np.abs(self.lower)) / self.width
        return max(value_bound, 1.0, float(reach.max()))


class Members(Layer):
    """``k`` members of an ensemble in one network: each row ``x`` becomes
    ``k`` rows ``x * r_j``, one per member, that the layers above process
    together (TabM-mini, Gorishniy et al., 2025)::

        out_(i, j) = A_i * r_j        (row i * k + j)

    The members share every hidden weight; each has its own input scaling
    ``r_j`` (random signs at the start, which is what makes them differ)
    and its own output head (:class:`Heads`). One matrix product per layer
    then trains all ``k`` of them: small networks are bound by the cost of
    each call, not of its arithmetic, so ``k`` members cost far less than
    ``k`` fits. Backward::

        dJ/dr_j = sum_i A_i * delta_(i, j)        dJ/dA_i = sum_j delta_(i, j) * r_j

    It is the last input layer, right under the first dense layer; in
    training the two run as one step, ``r_j`` folded into the weights
    (``_layers.FoldedDense``), so that the batch is not copied ``k`` times.
    """

    kind = "members"

    @property
    def row_factor(self):
        return self.members

    def __init__(self, units, members, first=True):
        self.units, self.members, self.first = units, members, first

    @property
    def units_out(self):
        return self.units

    def parameter_shapes(self):
        return (("members", (self.members, self.units)),)

    def slot_shapes(self):
        # out has k rows per sample, delta_in one (see Workspace).
        return {"out": self.units, "delta_in": None if self.first else self.units}

    def initial_parameters(self, rng, dtype):
        signs = rng.randint(0, 2, size=(self.members, self.units)) * 2 - 1
        return (signs.astype(dtype),)

    def names_out(self, names):
        return list(names)

    def forward(self, A, params, slot):
        n, (k, d) = A.shape[0], params[0].shape
        out = slot.out if slot.out is not None else np.empty((n * k, d), A.dtype)
        np.multiply(A[:, None, :], params[0][None], out=out.reshape(n, k, d))
        return out

    def backward(self, A, out, delta, params, grads, slot):
        n, (k, d) = A.shape[0], params[0].shape
        D = delta.reshape(n, k, d)
        np.einsum("nd,nkd->kd", A, D, out=grads[0])
        if self.first:
            return None
        return np.einsum("nkd,kd->nd", D, params[0], out=slot.delta_in)

    def bound(self, value_bound, params, scratch=None):
        return value_bound * float(np.abs(params[0]).max(initial=0.0))


def learned(layers):
    """Whether any of these layers has parameters: the layer above them must
    then pass its input's gradient down."""
    return any(layer.parameter_shapes() for layer in layers)


def input_layers(
    X,
    numeric_columns,
    category_blocks=(),
    *,
    piecewise_linear_bins=None,
    numerical_embedding=None,
    category_embedding=None,
    feature_scaling=False,
    ensemble_size=1,
):
    """The input layers for the columns of ``X``, in the order they run.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_columns)
        The training rows (the bins are their quantiles).
    numeric_columns : array of int
        The columns that are numbers (the numerical encodings' columns).
    category_blocks : sequence of (start, stop), default=()
        The one-hot blocks of wide categorical columns, to embed.
    piecewise_linear_bins, numerical_embedding, category_embedding, feature_scaling, ensemble_size
        The estimator's settings of the same names.

    Returns
    -------
    layers : list
        The piecewise-linear and periodic encodings of the numbers, the
        category embedding, the scaling layer, the ensemble's members; each
        only where its setting asks for it. Their parameters are drawn
        with the network's (``Network.initialized``).
    """
    layers, width = [], X.shape[1]
    embedded = numerical_embedding or piecewise_linear_bins
    if (embedded or feature_scaling or ensemble_size > 1) and hasattr(X, "tocsr"):
        raise TypeError(
            "numerical_embedding, piecewise_linear_bins, feature_scaling and "
            "ensemble_size > 1 read dense columns; X is a sparse matrix. Turn them "
            "off, or pass a dense X (X.toarray())."
        )
    columns = np.asarray(numeric_columns, dtype=np.intp)
    blocks = np.asarray(category_blocks, dtype=np.intp).reshape(-1, 2)
    if piecewise_linear_bins and len(columns):
        # Bins from the training rows; the columns stay first, so the
        # periodic embedding below still finds them at their indices.
        layer = PiecewiseLinear.from_data(np.asarray(X), columns, piecewise_linear_bins)
        if len(layer.lower):  # else no column has two bins: all pass unbinned
            layers.append(layer)
            width = layer.units_out
    if numerical_embedding == "periodic" and len(columns):
        layers.append(PeriodicEmbedding(width, columns))
        width = layers[-1].units_out
    if len(blocks):
        # The one-hot blocks where the numerical embeddings left them.
        for layer in layers:
            blocks = layer.position_of(blocks)
        layers.append(
            CategoryEmbedding(width, blocks, category_embedding, first=not learned(layers))
        )
        width = layers[-1].units_out
    if feature_scaling:
        layers.append(Scale(width, first=not learned(layers)))
    if ensemble_size > 1:
        layers.append(Members(width, ensemble_size, first=not learned(layers)))
    return layers
