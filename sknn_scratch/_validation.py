"""Scoring the validation data after each epoch: one forward pass, two records.

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
from typing import NamedTuple

import numpy as np
from sklearn.metrics import check_scoring

from ._network import predict_raw


class ValidationData(NamedTuple):
    """Validated validation data: inputs, encoded and original targets, weights."""

    X: object
    Y: np.ndarray
    y: np.ndarray
    sample_weight: object


def validation_record(est, coefs, intercepts, validation, penalty_term):
    """Return ``(score, loss)`` of the weights ``coefs, intercepts``."""
    raw = predict_raw(validation.X, coefs, intercepts, est.activation)
    with np.errstate(over="ignore", invalid="ignore"):
        per_sample = est._loss().per_sample(raw, validation.Y)
    weights = validation.sample_weight
    if weights is None:
        data_term = float(per_sample.mean())
    else:
        data_term = float(per_sample @ weights / weights.sum(dtype=np.float64))
    loss = data_term + penalty_term
    if est.scoring is None:
        score = est._default_score(raw.copy(), validation.y, weights)
    elif est.scoring == "loss":
        score = -loss
    else:
        scorer = check_scoring(est, scoring=est.scoring)
        answering = _Answering.of(est, raw, validation.X, (coefs, intercepts))
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
    def of(est, raw, X_val, weights):
        answering = object.__new__(type(est))
        answering.__dict__.update(est.__dict__)
        answering.coefs_, answering.intercepts_ = list(weights[0]), list(weights[1])
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
