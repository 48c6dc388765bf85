"""The training record: what training measured, epoch by epoch.

The training loops write only to a :class:`TrainingRecord`; the estimator
starts one from its fitted attributes before a call (:meth:`resume`) and
publishes it as its attributes after it (:meth:`attributes`): ``n_iter_``,
``t_``, ``loss_``, ``loss_curve_``, ``validation_scores_``, ``history_``...
"""

import copy

import numpy as np

#: The scalar records and the attributes they are published as.
SCALARS = {
    "n_iter": "n_iter_",
    "t": "t_",
    "loss": "loss_",
    "best_loss": "best_loss_",
    "best_validation_score": "best_validation_score_",
    "best_epoch": "best_epoch_",
    "averaged_epochs": "averaged_epochs_",
    "learning_rate": "learning_rate_",
    "n_clipped_steps": "n_clipped_steps_",
    "no_improvement_count": "_no_improvement_count",
}
#: The per-epoch records (lists that grow by one entry an epoch).
LISTS = {
    "loss_curve": "loss_curve_",
    "validation_scores": "validation_scores_",
    "validation_loss_curve": "validation_loss_curve_",
    "history": "history_",
}


class TrainingRecord:
    """Every quantity training records (see the module docstring).

    ``history`` holds one dict per epoch (per iteration for L-BFGS):
    ``epoch`` (counted over the model's life, as ``loss_curve_``), ``loss``,
    ``seconds`` (the epoch's wall time, scoring included), and where they
    apply ``learning_rate`` (the rate the epoch trained with),
    ``validation_loss`` and ``validation_score``.
    """

    def __init__(self, **values):
        for name in (*SCALARS, *LISTS):
            setattr(self, name, values.get(name))
        # The best validation score before the latest epoch's (the stop rule
        # measures progress against it).
        self.score_to_beat = None

    @classmethod
    def resume(cls, attributes):
        """A record continuing from an estimator's fitted attributes
        (``{attribute name: value}``); the lists are copied."""
        values = {name: attributes.get(attr) for name, attr in SCALARS.items()}
        for name, attr in LISTS.items():
            value = attributes.get(attr)
            values[name] = None if value is None else list(value)
        if values["history"] is None and values["loss_curve"] is not None:
            # A model fitted before history_ existed: its losses are all it knows.
            values["history"] = [
                {"epoch": i + 1, "loss": loss} for i, loss in enumerate(values["loss_curve"])
            ]
        return cls(**values)

    def attributes(self):
        """``{attribute name: value}`` to publish on the estimator."""
        published = {attr: getattr(self, name) for name, attr in SCALARS.items()}
        published.update({attr: getattr(self, name) for name, attr in LISTS.items()})
        return published

    def start_validation(self, scored, early_stopping):
        """Fresh validation records for a call (None without validation data);
        with early stopping, progress is measured on the validation set."""
        self.validation_scores = [] if scored else None
        self.validation_loss_curve = [] if scored else None
        self.best_validation_score = -np.inf if scored else None
        self.best_epoch = None
        self.averaged_epochs = None
        if early_stopping:
            self.best_loss = None
        elif self.best_loss is None:
            self.best_loss = np.inf

    def add_epoch(self, loss, n_samples, seconds, learning_rate=None):
        """One epoch (or L-BFGS iteration) more, on ``n_samples`` rows."""
        self.n_iter += 1
        self.t += n_samples
        self.loss = loss
        self.loss_curve.append(loss)
        row = {"epoch": len(self.loss_curve), "loss": loss, "seconds": seconds}
        if learning_rate is not None:
            row["learning_rate"] = learning_rate
        self.history.append(row)

    def add_validation(self, score, loss):
        """The validation score and loss of the latest epoch."""
        self.score_to_beat = self.best_validation_score
        self.validation_scores.append(score)
        self.validation_loss_curve.append(loss)
        self.history[-1].update(validation_loss=loss, validation_score=score)
        # A score that is not a finite number (a scorer's NaN, outputs that
        # overflow on extreme validation data) never makes an epoch the best.
        if np.isfinite(score) and score > self.best_validation_score:
            self.best_validation_score = score
            self.best_epoch = len(self.validation_scores)

    def snapshot(self):
        """The record as it is now, to :meth:`restore` later (scalars and
        list lengths: the lists only grow, and rows are complete once an
        epoch has ended)."""
        scalars = {name: getattr(self, name) for name in (*SCALARS, "score_to_beat")}
        lengths = {name: len(getattr(self, name) or ()) for name in LISTS}
        return scalars, lengths

    def restore(self, snapshot):
        scalars, lengths = snapshot
        for name, value in scalars.items():
            setattr(self, name, value)
        for name, length in lengths.items():
            if getattr(self, name) is not None:
                del getattr(self, name)[length:]

    def copy(self):
        return copy.deepcopy(self)
