"""The training loops' one reporting interface: scikit-learn's callback hooks.

A :class:`Reporter` wraps the root task of a call to ``fit`` or
``partial_fit`` and one subtask per epoch (per iteration for L-BFGS), as
scikit-learn 1.9's ``sklearn.callback`` API prescribes (it is marked
experimental there, and so is our support). The hooks receive the caller's
estimator, the training data, and on request a ``fitted_estimator``: a copy
of the estimator holding the weights at that moment, ready to predict. A
callback's ``on_fit_task_end`` returning True stops training after that
epoch.

With no callback set (and no meta-estimator propagating one), the reporter
does nothing at all, so the default path pays nothing.
"""

import copy

from ._listeners import Listener


class Reporter(Listener):
    """Callback hooks around the epochs of one training call.

    Parameters
    ----------
    owner : BaseMLP
        The caller's estimator (training runs on a working copy of it; the
        hooks see the estimator the callbacks were set on).
    max_epochs : int
        The most subtasks the root task can have.
    X, y, sample_weight
        The training data, passed to the hooks.
    """

    def __init__(self, owner, max_epochs, X, y, sample_weight):
        self.owner = owner
        self.active = hasattr(owner, "_skl_callbacks") or hasattr(owner, "_parent_callback_ctx")
        if not self.active:
            return
        metadata = {} if sample_weight is None else {"sample_weight": sample_weight}
        self.data = {"X": X, "y": y, "metadata": metadata}
        self.root = owner._init_callback_context(max_subtasks=max_epochs)
        self.root.call_on_fit_task_begin(estimator=owner, **self.data)
        self.epoch = None

    def epoch_begins(self):
        if self.active:
            self.epoch = self.root.subcontext(task_name="epoch")
            self.epoch.call_on_fit_task_begin(estimator=self.owner, **self.data)

    def bind(self, est):
        """The working copy of the estimator that trains (its fitted
        attributes, with the record's, make the hooks' fitted estimator)."""
        self.est = est

    def epoch_ends(self, record, network, stopping):
        """Close the epoch's task; return True if a callback asks to stop."""
        if not self.active:
            return False
        epoch, self.epoch = self.epoch, None

        def state():
            return _fitted_state(self.est, record.attributes(), network)

        return bool(
            epoch.call_on_fit_task_end(
                estimator=self.owner, reconstruction_attributes=state, **self.data
            )
        )

    def epoch_aborted(self):
        """Close an epoch that did not complete (divergence, Ctrl-C) as empty."""
        if self.active and self.epoch is not None:
            epoch, self.epoch = self.epoch, None
            epoch.call_on_fit_task_end(estimator=self.owner)

    def fit_ends(self, est):
        if self.active:
            self.epoch_aborted()
            self.root.call_on_fit_task_end(
                estimator=self.owner,
                reconstruction_attributes=lambda: _fitted_state(est, {}, None),
                **self.data,
            )


def _fitted_state(est, record, network):
    """Every attribute a fitted copy needs: the estimator's, the record's
    (``{attribute: value}``), and the ``network`` (None: the estimator's),
    copied now."""
    state = {
        name: copy.copy(value)
        for name, value in {**est.__dict__, **record}.items()
        if name.endswith("_") and not name.startswith("__")
    }
    if hasattr(est, "_label_binarizer"):
        state["_label_binarizer"] = est._label_binarizer
    state["network_"] = (est.network_ if network is None else network).copy()
    return state
