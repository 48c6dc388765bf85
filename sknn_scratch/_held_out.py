"""Held-out validation data: scoring it after each epoch, and checking that
it looks like the training data.

(Checks of user input are elsewhere: this module is about the data held
out to validate training.)

Scoring takes one forward pass and gives two records.

The validation set's raw outputs are computed once per epoch. From them
come both records of the epoch:

- the validation loss, the objective J on the validation set: the weighted
  mean of the per-sample losses there, plus the same penalty term as the
  training objective (so that ``validation_loss_curve_`` and
  ``loss_curve_`` are on one scale, as Keras reports ``val_loss``);
- the validation score that early stopping watches (``scoring``): R^2 or
  accuracy by default, ``-loss`` for ``scoring="loss"``, or any scikit-learn
  scorer. A scorer is handed a shallow copy of the estimator whose
  ``predict``, ``predict_proba`` and ``predict_log_proba`` answer for the
  validation array itself from the outputs already computed, so even a
  scorer costs no second forward pass; on any other array they predict.
"""

import inspect
import warnings
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import check_scoring

from ._objective import mean_loss


class ValidationData(NamedTuple):
    """Validated validation data: inputs, encoded and original targets, weights."""

    X: object
    Y: np.ndarray
    y: np.ndarray
    sample_weight: object


def validation_record(est, network, validation, penalty_term, inputs=None):
    """Return ``(score, loss)`` of the ``network`` (a ``_network.Network``).
    ``inputs``: ``(X, start)``, the validation inputs after the network's
    first ``start`` input layers (``TrainingNetwork.through_fixed``), or
    None for the inputs as they are."""
    X, start = (validation.X, 0) if inputs is None else inputs
    raw = network.predict_raw(X, est.out_activation_, start=start)
    weights = validation.sample_weight
    loss = mean_loss(est._loss(), raw, validation.Y, weights) + penalty_term
    if est.scoring is None:
        score = est._default_score(raw.copy(), validation.y, weights)
    elif est.scoring == "loss":
        score = -loss
    else:
        scorer = check_scoring(est, scoring=est.scoring)
        answering = _Answering.of(est, raw, validation.X, network)
        score = _call_scorer(scorer, answering, validation)
    return float(score), loss


def _call_scorer(scorer, est, validation):
    """``scorer(est, X_val, y_val)``, with the validation weights for scorers
    that take them (scikit-learn's do; a plain ``f(estimator, X, y)`` may not)."""
    X, y, weights = validation.X, validation.y, validation.sample_weight
    if weights is None or not accepts_sample_weight(scorer):
        return scorer(est, X, y)
    return scorer(est, X, y, sample_weight=weights)


def accepts_sample_weight(scorer):
    """Whether ``scorer`` can be called with ``sample_weight=``."""
    try:
        parameters = inspect.signature(scorer).parameters.values()
    except (TypeError, ValueError):  # no signature to read: do not guess
        return False
    return any(
        p.name == "sample_weight" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters
    )


class _Answering:
    """Builds the estimator a scorer sees.

    It holds the weights being scored. Its prediction methods answer for
    the validation array itself from the outputs already computed; for any
    other array (a scorer may predict on ``X + 1`` or on a subset) they run
    a real forward pass with those weights.
    """

    @staticmethod
    def of(est, raw, X_val, network):
        answering = object.__new__(type(est))
        answering.__dict__.update(est.__dict__)
        answering.network_ = network
        for name, from_raw in est._responses_from_raw().items():
            method = getattr(type(est), name).__get__(answering)
            setattr(answering, name, _answer(name, from_raw, raw, X_val, method))
        return answering


def _answer(name, from_raw, raw, X_val, method):
    def respond(X, *args, **kwargs):
        if X is X_val and not args and not kwargs:
            return from_raw(raw.copy())  # a copy per call: output activations work in place
        return method(X, *args, **kwargs)

    respond.__name__ = name  # scikit-learn tells responses apart by method name
    return respond


#: ``fit`` warns when the validation features are this unlike the training
#: features (see ``distribution_shift``; chosen by measurement with
#: ``benchmarks/validation_shift.py``: on random splits of 17 real data sets
#: the largest values were 4.4 and 1.5; X_val left unscaled next to scaled
#: training data, or the reverse, gave a shift of 12 to 10^6, or, for the
#: diabetes data whose features come centred, a scale of 3.0).
SHIFT_LIMIT, SCALE_LIMIT = 10.0, float(np.log(10.0))


def distribution_shift(X, X_val):
    """How unlike the training features the validation features are.

    Returns ``(shift, scale)``, over the features that vary in ``X``:

    - ``shift``: the 90th percentile over the features of
      ``|mean(X_val) - mean(X)| / (std(X) / sqrt(n_val))``, how many standard
      errors a validation mean sits from the training mean (about
      ``|N(0, 1)|`` for each feature of a random split, so that the 90th
      percentile stays near 2);
    - ``scale``: the median of ``|log(std(X_val) / std(X))|`` (NaN with
      fewer than 10 validation rows, whose spread says little).

    Both stay small for validation data drawn like the training data, and
    grow large for data transformed otherwise, such as unscaled validation
    data next to scaled training data.
    """
    mean, std = X.mean(axis=0), X.std(axis=0)
    varies = std > 0
    n_val = X_val.shape[0]
    if not varies.any():
        return 0.0, float("nan")
    mean_val = X_val.mean(axis=0)
    errors = np.abs(mean_val[varies] - mean[varies]) * np.sqrt(n_val) / std[varies]
    shift = float(np.quantile(errors, 0.9))
    std_val = X_val.std(axis=0)
    both = varies & (std_val > 0)
    if n_val < 10 or not both.any():
        return shift, float("nan")
    return shift, float(np.median(np.abs(np.log(std_val[both] / std[both]))))


def warn_if_unlike(X, X_val):
    """Warn when ``X_val`` looks transformed unlike ``X`` (see
    ``distribution_shift``); sparse inputs are not checked."""
    if sp.issparse(X) or sp.issparse(X_val):
        return
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        shift, scale = distribution_shift(X, X_val)
    if shift > SHIFT_LIMIT or scale > SCALE_LIMIT:
        warnings.warn(
            "X_val looks unlike X: its feature means sit up to "
            f"{shift:.3g} standard errors from the training means, and its spreads "
            f"differ by a factor of {np.exp(np.nan_to_num(scale)):.3g} (median over the "
            "features). Was it transformed like X? In a Pipeline, route X_val through "
            "the transformers with metadata routing and transform_input=['X_val'] "
            "(see the user guide, 'Controlling training'): 'step__X_val=' hands the "
            "network untransformed data.",
            UserWarning,
        )
