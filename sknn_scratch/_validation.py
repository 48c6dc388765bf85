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
  ``predict``, ``predict_proba`` and ``predict_log_proba`` answer from the
  outputs already computed, so even a scorer costs no second forward pass.
"""

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
        answering = _Answering.of(est, raw)
        score = scorer(answering, validation.X, validation.y, sample_weight=weights)
    return float(score), loss


class _Answering:
    """Builds the estimator a scorer sees: predictions come from ``raw``."""

    @staticmethod
    def of(est, raw):
        answering = object.__new__(type(est))
        answering.__dict__.update(est.__dict__)
        for name, from_raw in est._responses_from_raw().items():
            setattr(answering, name, _answer(name, from_raw, raw))
        return answering


def _answer(name, from_raw, raw):
    def respond(X):
        return from_raw(raw.copy())  # a copy per call: output activations work in place

    respond.__name__ = name  # scikit-learn tells responses apart by method name
    return respond
