"""PyTorch peers for ``make bench``: a hand-written training loop and skorch.

Both train the network that ``MLPRegressor(hidden_layer_sizes=hidden,
solver="adam", batch_size=batch)`` trains, on the same data and for the same
epochs, with as many threads as NumPy's BLAS uses:

- the same initial weights and the same batch order as ours with
  ``random_state=0``: the RNG is consumed in the estimator's order (each
  layer's weights, then its biases, then one permutation per epoch);
- the same objective, ``0.5 * mean squared error + alpha / (2 * batch) *
  sum ||W||^2``: the penalty's gradient ``(alpha / batch) W`` is Adam's
  ``weight_decay`` on the weights only (every batch has ``batch`` rows
  here);
- Adam with the same rates, in whichever of PyTorch's three
  implementations is fastest for the case (``ADAM_VARIANTS``: the default
  one, ``foreach=True``, or the fused CPU kernel, ``fused=True``, where
  the installed release has one; ``fastest_variant`` times them), with
  relu layers computed in place. PyTorch adds epsilon to the
  bias-corrected ``sqrt(v_hat)``, scikit-learn to ``sqrt(v)``; that is the
  only difference: with epsilon at 1e-30 in both, a (16, 16) network's
  predictions after 3 epochs agree to 3e-6.

skorch gets the same module, initial weights, objective and optimizer;
it shuffles with its own data loader, so its batch order differs.

PyTorch is imported only when a peer runs: without it (``pip install
"sknn-scratch[bench]"`` installs both), ``missing()`` says so and the
benchmark leaves these columns empty.
"""

import time

import numpy as np


def missing():
    """None when PyTorch and skorch import, else a line naming the extra."""
    try:
        import torch  # noqa: F401, I001 (PyTorch first: skorch needs it)
        import skorch  # noqa: F401
    except ImportError as error:
        return f'{error.name} is not installed (pip install "sknn-scratch[bench]")'
    return None


def versions():
    """The PyTorch and skorch releases that ran (None: not installed)."""
    found = {}
    for name in ("torch", "skorch"):
        try:
            found[name] = __import__(name).__version__
        except ImportError:
            found[name] = None
    return found


def initial_weights(units, dtype, rng):
    """The Glorot-uniform weights MLPRegressor(random_state=rng) draws for relu."""
    coefs, intercepts = [], []
    for fan_in, fan_out in zip(units[:-1], units[1:]):
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        coefs.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype))
        intercepts.append(rng.uniform(-bound, bound, fan_out).astype(dtype))
    return coefs, intercepts


def _module(torch, coefs, intercepts):
    layers = []
    for i, (coef, intercept) in enumerate(zip(coefs, intercepts)):
        linear = torch.nn.Linear(*coef.shape, dtype=_torch_dtype(torch, coef.dtype))
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(coef.T)))
            linear.bias.copy_(torch.from_numpy(intercept))
        layers.append(linear)
        if i < len(coefs) - 1:
            layers.append(torch.nn.ReLU(inplace=True))
    return torch.nn.Sequential(*layers)


def _torch_dtype(torch, dtype):
    return torch.float32 if np.dtype(dtype) == np.float32 else torch.float64


#: scikit-learn's defaults, which the estimators in make bench keep.
ALPHA, LEARNING_RATE = 1e-4, 1e-3


def _adam(torch, module, batch, variant):
    """Adam on ``module`` with the penalty as weight decay on the weights."""
    weights = [p for name, p in module.named_parameters() if name.endswith("weight")]
    biases = [p for name, p in module.named_parameters() if name.endswith("bias")]
    groups = [
        {"params": weights, "weight_decay": ALPHA / batch},
        {"params": biases, "weight_decay": 0.0},
    ]
    return torch.optim.Adam(groups, lr=LEARNING_RATE, **ADAM_VARIANTS[variant])


#: PyTorch's implementations of Adam: a loop over the parameters, the
#: multi-tensor ("foreach") one, and the fused CPU kernel (PyTorch 2.4+).
ADAM_VARIANTS = {"default": {}, "foreach": {"foreach": True}, "fused": {"fused": True}}


def variants():
    """The Adam variants this PyTorch offers."""
    import torch

    major, minor = (int(part) for part in torch.__version__.split(".")[:2])
    names = ["default", "foreach"]
    return names + ["fused"] if (major, minor) >= (2, 4) else names


def fastest_variant(X, y, hidden, batch, epochs, threads, runs=2):
    """The Adam variant whose loop fits fastest here (best of ``runs`` each)."""
    timed = {
        name: min(torch_fit(X, y, hidden, batch, epochs, threads, name)[0] for _ in range(runs))
        for name in variants()
    }
    return min(timed, key=timed.get)


def torch_fit(X, y, hidden, batch, epochs, threads, variant="fused"):
    """Train with a hand-written PyTorch loop; return (seconds, predict)."""
    import torch

    torch.set_num_threads(threads)
    rng = np.random.RandomState(0)
    start = time.perf_counter()
    coefs, intercepts = initial_weights([X.shape[1], *hidden, 1], X.dtype, rng)
    module = _module(torch, coefs, intercepts)
    optimizer = _adam(torch, module, batch, variant if variant in variants() else "default")
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y).reshape(-1, 1)
    for _ in range(epochs):
        order = torch.from_numpy(rng.permutation(len(X)))
        for first in range(0, len(X), batch):
            rows = order[first : first + batch]
            optimizer.zero_grad(set_to_none=True)
            out = module(X_t.index_select(0, rows))
            loss = 0.5 * torch.nn.functional.mse_loss(out, y_t.index_select(0, rows))
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - start
    return seconds, lambda data: torch_predict(module, data, threads)


def torch_predict(module, X, threads):
    import torch

    torch.set_num_threads(threads)
    with torch.inference_mode():
        return module(torch.from_numpy(X)).numpy().ravel()


def torch_predictor(coefs, intercepts, threads):
    """predict(X) of a PyTorch module holding these (fitted) weights."""
    import torch

    module = _module(torch, coefs, intercepts)
    return lambda X: torch_predict(module, X, threads)


def skorch_fit(X, y, hidden, batch, epochs, threads):
    """Train with skorch's NeuralNetRegressor; return (seconds, predict)."""
    import torch
    from skorch import NeuralNetRegressor

    torch.set_num_threads(threads)
    torch.manual_seed(0)  # skorch's data loader shuffles with torch's RNG
    start = time.perf_counter()
    coefs, intercepts = initial_weights([X.shape[1], *hidden, 1], X.dtype, np.random.RandomState(0))
    net = NeuralNetRegressor(
        _module(torch, coefs, intercepts),
        criterion=_HalfMSE,
        optimizer=torch.optim.Adam,
        lr=LEARNING_RATE,
        optimizer__weight_decay=ALPHA / batch,
        optimizer__param_groups=[("*bias", {"weight_decay": 0.0})],
        **{f"optimizer__{k}": v for k, v in ADAM_VARIANTS[variants()[-1]].items()},
        batch_size=batch,
        max_epochs=epochs,
        train_split=None,
        iterator_train__shuffle=True,
        verbose=0,
    )
    net.fit(X, y.reshape(-1, 1))
    seconds = time.perf_counter() - start
    return seconds, lambda data: net.predict(data).ravel()


def _HalfMSE(*args, **kwargs):
    """0.5 * mean squared error, the objective of the other libraries."""
    import torch

    class HalfMSE(torch.nn.MSELoss):
        def forward(self, input, target):
            return 0.5 * super().forward(input, target)

    return HalfMSE(*args, **kwargs)
