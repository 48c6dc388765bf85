"""BaseMLP: hyper-parameters, validation, and the fit/partial_fit skeleton.

The regressor and the classifier differ only in how they encode targets, pick
the loss and output activation, and turn raw outputs into predictions; all of
that is behind the few abstract methods at the end of this class.
"""

import difflib
import re
import time
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.utils import check_random_state
from sklearn.utils.validation import (
    check_array,
    check_is_fitted,
    check_X_y,
    column_or_1d,
    validate_data,
)

from ._activations import HIDDEN_ACTIVATIONS, per_layer
from ._callbacks import Reporter
from ._compat import (
    CallbackSupportMixin,
    HasMethods,
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
    _check_sample_weight,
    scorer_response_methods,
    with_callbacks,
)
from ._fitted import FittedNetwork, all_or_nothing
from ._held_out import ValidationData, warn_if_unlike
from ._initializers import INITIALIZERS, fit_to_data
from ._input_layers import input_layers, learned
from ._layers import multilayer_perceptron
from ._listeners import VerbosePrinter
from ._losses import LOSSES
from ._network import Network, checked_weights
from ._objective import Objective, epoch_scales, full_batch_scales
from ._optimizers import OPTIMIZERS, SOLVERS, STOCHASTIC_SOLVERS, GroupSettings
from ._plan import (
    lbfgs_plan,
    listeners_of,
    make_optimizer,
    planned_epochs,
    split_validation,
    stochastic_plan,
    stop_rule,
    threads_of,
)
from ._record import TrainingRecord
from ._schedules import ANNEALING, SCHEDULES, effective_warmup
from ._tabular import TabularEncoder
from ._training import Optimizing, close_epoch, train_lbfgs, train_stochastic

#: The groups of parameters ``group_learning_rates`` can set.
PARAMETER_GROUPS = ("weights", "biases", "embedding", "scales", "members", "activation")


def _about_validation_data(message):
    """A message of the training-data checks, worded for the validation data:
    ``X``, ``y`` and ``sample_weight`` become ``X_val``, ``y_val`` and
    ``sample_weight_val`` (the names the user passed)."""
    message = re.sub(r"\b(X|y|sample_weight)\b(?!_val)", r"\1_val", message)
    message = re.sub(r"\b[Ss]ample weights\b", "sample_weight_val", message)
    if "_val" not in message:
        message = f"Invalid validation data (X_val, y_val): {message}"
    return message


def _is_rate(value):
    """Whether ``value`` is one dropout rate: a real number in [0, 1)."""
    return isinstance(value, Real) and not isinstance(value, bool) and 0 <= value < 1


def _has_stochastic_solver(est):
    """``available_if`` check: partial_fit exists only for epoch-wise solvers."""
    return est.solver in STOCHASTIC_SOLVERS


def _has_text_columns(X):
    """Whether X (a DataFrame or an array) holds columns of text or
    categories, which need an encoder."""
    dtypes = getattr(X, "dtypes", None)
    if dtypes is not None and hasattr(X, "columns"):
        texts = ("str", "utf8", "cat", "enum", "object")  # polars' dtypes have no kind
        return any(
            getattr(dtype, "kind", None) == "O"
            or (getattr(dtype, "kind", None) is None and str(dtype).lower().startswith(texts))
            for dtype in list(dtypes)
        )
    array = np.asarray(X) if not hasattr(X, "tocsr") else None
    return array is not None and array.dtype.kind in "OUS"


class BaseMLP(FittedNetwork, CallbackSupportMixin, BaseEstimator):
    """Shared machinery of MLPRegressor and MLPClassifier; not for direct use."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(HIDDEN_ACTIVATIONS)), "array-like"],
        "solver": [StrOptions(set(SOLVERS))],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions(set(SCHEDULES))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "scoring": [None, str, callable],
        "warmup_epochs": [Interval(Integral, 0, None, closed="left")],
        "max_grad_norm": [None, Interval(Real, 0, None, closed="neither")],
        "max_time": [None, Interval(Real, 0, None, closed="neither")],
        "init": [StrOptions(set(INITIALIZERS))],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "max_steps": [None, Interval(Integral, 1, None, closed="left")],
        "input_encoding": [None, StrOptions({"tabular"}), HasMethods(["fit", "transform"])],
        "numerical_embedding": [None, StrOptions({"periodic"})],
        "piecewise_linear_bins": [None, Interval(Integral, 2, None, closed="left")],
        "category_embedding": [None, Interval(Integral, 1, None, closed="left")],
        "parametric_activation": ["boolean"],
        "n_threads": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
            Options(Integral, {-1}),
        ],
        "feature_scaling": ["boolean"],
        "group_learning_rates": [None, dict],
        "data_init": ["boolean"],
        "ensemble_size": [Interval(Integral, 1, None, closed="left")],
        "regularization_schedule": [StrOptions({"constant", "flat_cosine"})],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        scoring=None,
        warmup_epochs=0,
        max_grad_norm=None,
        max_time=None,
        init="glorot_uniform",
        dropout=0.0,
        l1_ratio=0.0,
        weight_decay=0.0,
        max_steps=None,
        input_encoding=None,
        numerical_embedding=None,
        feature_scaling=False,
        group_learning_rates=None,
        data_init=False,
        ensemble_size=1,
        regularization_schedule="constant",
        piecewise_linear_bins=None,
        category_embedding=None,
        parametric_activation=False,
        n_threads="auto",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.scoring = scoring
        self.warmup_epochs = warmup_epochs
        self.max_grad_norm = max_grad_norm
        self.max_time = max_time
        self.init = init
        self.dropout = dropout
        self.l1_ratio = l1_ratio
        self.weight_decay = weight_decay
        self.max_steps = max_steps
        self.input_encoding = input_encoding
        self.numerical_embedding = numerical_embedding
        self.feature_scaling = feature_scaling
        self.group_learning_rates = group_learning_rates
        self.data_init = data_init
        self.ensemble_size = ensemble_size
        self.regularization_schedule = regularization_schedule
        self.piecewise_linear_bins = piecewise_linear_bins
        self.category_embedding = category_embedding
        self.parametric_activation = parametric_activation
        self.n_threads = n_threads

    # ------------------------------------------------------------------ fit

    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None, sample_weight_val=None):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values (class labels for classification, real numbers
            for regression).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample's term in the objective.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), default=None
            Validation inputs, with the features of X. They are scored after
            every epoch (``validation_scores_``, ``validation_loss_curve_``)
            and, with ``early_stopping=True``, used instead of the
            ``validation_fraction`` split. In a Pipeline, route them with
            metadata routing and ``Pipeline(..., transform_input=["X_val"])``
            so that they are transformed like X: ``step__X_val=`` (the
            XGBoost and LightGBM habit) hands the network untransformed
            data. A UserWarning says when X_val looks unlike X (its feature
            means or spreads far from the training ones).
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Validation targets (for a classifier, among the classes of y).
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples in the validation loss and score.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        validation = (X_val, y_val, sample_weight_val)
        return self._fit(X, y, sample_weight, incremental=False, validation=validation)

    @with_callbacks  # tears scikit-learn callbacks down however the call ends
    def _fit(self, X, y, sample_weight, incremental, classes=None, validation=None):
        """Train a working copy, and publish it only if the call succeeds
        (``_safeguards.all_or_nothing``)."""
        return all_or_nothing(
            self,
            lambda trainee: trainee._fit_unguarded(
                X, y, sample_weight, incremental, classes, validation, self
            ),
        )

    def _fit_unguarded(self, X, y, sample_weight, incremental, classes, validation, owner):
        hidden_layer_sizes = self._checked_settings(incremental)
        first_pass = not hasattr(self, "network_") or not (incremental or self.warm_start)
        if not first_pass:
            self._check_model_unchanged(incremental)
        X, y, Y, sample_weight, alpha = self._validate_training_data(
            X, y, sample_weight, first_pass, incremental, classes
        )
        self._check_scoring(validation)
        rng = check_random_state(self.random_state)
        if first_pass:
            self._initialize(X, Y.shape[1], hidden_layer_sizes, rng)
        else:
            self._check_architecture(X, Y.shape[1], hidden_layer_sizes)
        validation = self._validated_validation_data(validation, X.dtype, y)
        if validation is not None:
            warn_if_unlike(X, validation.X)
        net = self._network(X.dtype)
        self.network_ = net.fitted()  # the same parameters: training shows in coefs_
        data = (X, Y, sample_weight, y)
        self._train(net, data, (rng, alpha), validation, (incremental, owner))
        return self

    def _checked_settings(self, incremental):
        """Check every parameter and every combination of them, before any
        work; return the hidden layer sizes."""
        self._validate_params()
        hidden_layer_sizes = self._checked_hidden_layer_sizes()
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True.")
        self._dropout_rates(len(hidden_layer_sizes))
        self._activations(len(hidden_layer_sizes))
        self._check_penalties()
        self._group_settings()
        return hidden_layer_sizes

    def _train(self, net, data, randomness, validation, call):
        """Train ``net`` on ``data`` (``X, Y, sample_weight, y``) and publish
        the record. ``randomness`` is ``(rng, alpha)``; ``call`` is
        ``(incremental, owner)``, the owner being the caller's estimator."""
        (rng, alpha), (incremental, owner) = randomness, call
        X, _, sample_weight, y = data
        lbfgs = self.solver == "lbfgs"
        # partial_fit: one epoch, its schedule planned over max_iter epochs.
        planned = planned_epochs(self, X.shape[0], validation is not None)
        epochs = 1 if incremental else planned
        # L-BFGS: one subtask per iteration, and one that never runs (as in
        # scikit-learn's LogisticRegression).
        reporter = Reporter(owner, epochs + lbfgs, X, y, sample_weight)
        reporter.bind(self)
        record = TrainingRecord.resume(vars(self))
        if lbfgs:
            self._train_lbfgs(net, data, alpha, validation, (record, reporter))
        else:
            schedule = self.max_iter if incremental else planned
            plan = (incremental, epochs, schedule)
            self._train_stochastic(net, data, rng, plan, validation, (record, reporter, alpha))
        self.__dict__.update(record.attributes())
        reporter.fit_ends(self)

    def _train_lbfgs(self, net, data, alpha, validation, watching):
        """Train with L-BFGS; ``watching`` is ``(record, reporter)``."""
        record, reporter = watching
        X, Y, sample_weight, _ = data
        self._optimizer = None
        objective = Objective(net, self.l1_ratio)
        scales = full_batch_scales(X.shape[0], sample_weight, alpha)
        record.start_validation(validation is not None, self.early_stopping)
        listeners = listeners_of(self, net, validation, (scales, None, reporter))
        threads = threads_of(self, net, X.shape[0], self.max_iter)
        with threads:
            train = (X, Y, sample_weight)
            train_lbfgs(lbfgs_plan(self, threads), objective, train, record, listeners, scales)
        self.n_threads_ = threads.count

    def _train_stochastic(self, net, data, rng, epochs, validation, watching):
        """Train with gd, sgd or adam. ``epochs`` is ``(incremental, epochs
        to run, epochs the schedule is planned over)``; ``watching`` is
        ``(record, reporter, alpha)``."""
        incremental, n_epochs, schedule = epochs
        record, reporter, alpha = watching
        optimizing = Optimizing(self._prepared_optimizer(net, incremental, schedule, record))
        train, validation = split_validation(self, data, rng, incremental, validation)
        plan = stochastic_plan(self, n_epochs, train[0].shape[0], incremental)
        n_train = train[0].shape[0]
        steps = plan.epochs * -(-n_train // plan.batch_size)
        threads = threads_of(self, net, plan.batch_size, steps)
        record.start_validation(validation is not None, self.early_stopping)
        scales = epoch_scales(train[0].shape[0], train[2], alpha)
        listeners = listeners_of(self, net, validation, (scales, optimizing, reporter))
        objective = Objective(net, self.l1_ratio)
        with threads:
            plan = plan._replace(threads=threads)
            train_stochastic(plan, objective, optimizing, train, rng, record, listeners, scales)
        self._optimizer = optimizing.optimizer
        self.n_threads_ = threads.count

    def _close_block_epoch(self, blocks):
        """Record the epoch that ``fit_blocks`` trained block by block
        (see ``_training.BlockEpoch``)."""
        if not blocks.rows:
            return
        record = TrainingRecord.resume(vars(self))
        optimizing = Optimizing(self._optimizer)
        seconds = time.perf_counter() - blocks.started
        close_epoch(record, optimizing.optimizer, blocks.loss(), 0, seconds)
        listeners = [VerbosePrinter()] if self.verbose else []
        for listener in listeners + [stop_rule(self, optimizing)]:
            listener.epoch_ends(record, None, False)
        self.__dict__.update(record.attributes())
        self._optimizer = optimizing.optimizer

    def _validated_validation_data(self, validation, dtype, y_train):
        """Check validation data like the training data (same features,
        outputs and classes); None when none were given."""
        X_val, y_val, sample_weight_val = validation or (None, None, None)
        if X_val is None and y_val is None:
            if sample_weight_val is not None:
                raise ValueError("sample_weight_val is given, but X_val and y_val are not.")
            return None
        if X_val is None or y_val is None:
            given, missing = ("X_val", "y_val") if y_val is None else ("y_val", "X_val")
            raise ValueError(f"{given} is given, but {missing} is not: give both.")
        try:
            return self._checked_validation_data(X_val, y_val, sample_weight_val, dtype, y_train)
        except ValueError as error:
            # The checks are those of the training data; their messages say
            # X, y and sample_weight where the user passed the _val arrays.
            raise ValueError(_about_validation_data(str(error))) from None

    def _checked_validation_data(self, X_val, y_val, sample_weight_val, dtype, y_train):
        X_val, y_val = self._checked_data(
            X_val,
            y_val,
            accept_sparse="csr",
            multi_output=True,
            dtype=(np.float64, np.float32),
            y_numeric=self._y_numeric,
            reset=False,
        )
        if X_val.shape[0] < 2:
            # One row has no spread: R^2 and most scores are undefined (NaN).
            raise ValueError(f"X has {X_val.shape[0]} sample(s); validation data need at least 2.")
        X_val = X_val.astype(dtype, copy=False)
        if y_val.ndim == 2 and y_val.shape[1] == 1 and self.n_outputs_ == 1:
            y_val = column_or_1d(y_val)
        Y_val = self._encode_validation_targets(y_val, dtype)
        weights = self._target_weights(
            y_val, sample_weight_val, X_val, incremental=False, y_train=y_train
        )
        if weights is not None:
            weights = _check_sample_weight(
                weights, X_val, dtype=np.float64, ensure_non_negative=True
            )
        return ValidationData(X_val, Y_val, y_val, weights)

    def _check_scoring(self, validation):
        """Refuse a ``scoring`` this estimator cannot compute, before any
        training; warn about one that nothing will use."""
        scoring = self.scoring
        if scoring is None:
            return
        given = validation is not None and any(v is not None for v in validation[:2])
        if not (self.early_stopping or given):
            warnings.warn(
                f"scoring={scoring!r} is unused: it scores validation data, which "
                "only early_stopping=True or X_val and y_val given to fit provide.",
                UserWarning,
            )
        if scoring == "loss" or callable(scoring):
            return
        name = type(self).__name__
        try:
            scorer = check_scoring(self, scoring=scoring)
        except ValueError:
            close = difflib.get_close_matches(str(scoring), get_scorer_names(), n=3)
            hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
            raise ValueError(
                f"scoring={scoring!r} is not a valid scoring of {name}: use None, 'loss', "
                "a callable scorer(estimator, X, y), or a scikit-learn scorer name "
                f"(sklearn.metrics.get_scorer_names()).{hint}"
            ) from None
        methods = scorer_response_methods(scorer)
        if not any(hasattr(self, method) for method in methods):
            raise ValueError(
                f"scoring={scoring!r} needs {' or '.join(methods)}, which {name} does not "
                "have; choose a scorer that uses what it has, such as None (the default), "
                "'loss' or a scorer of predict."
            )

    def _model_params(self):
        """The parameters that give the fitted weights their meaning.

        Continuing training (``partial_fit``, ``warm_start``) after one of
        them changed would train one model and predict with another, so it
        is refused; a new ``fit`` is needed.
        """
        activation = self.activation
        return {
            "activation": activation if isinstance(activation, str) else tuple(activation),
            "hidden_layer_sizes": tuple(self._checked_hidden_layer_sizes()),
            "input_encoding": self._input_encoding_key(),
            "numerical_embedding": self.numerical_embedding,
            "feature_scaling": bool(self.feature_scaling),
            "ensemble_size": self.ensemble_size,
            "piecewise_linear_bins": self.piecewise_linear_bins,
            "category_embedding": self.category_embedding,
            "parametric_activation": bool(self.parametric_activation),
        }

    def _check_model_unchanged(self, incremental):
        fitted_with = getattr(self, "_fitted_model_params", None)
        if fitted_with is None:  # a model pickled before this check existed
            return
        for name, value in self._model_params().items():
            if fitted_with.get(name, value) != value:
                how = "call fit" if incremental else "set warm_start=False"
                raise ValueError(
                    f"Cannot continue training: {name}={value!r} differs from "
                    f"{name}={fitted_with[name]!r}, with which the model was fitted. "
                    f"A change of {name} needs a new model: {how}, or set "
                    f"{name} back to {fitted_with[name]!r}."
                )

    def _validate_training_data(self, X, y, sample_weight, reset, incremental, classes):
        """Return ``X``, ``y``, the encoded targets ``Y``, the sample weights
        and the ``alpha`` that goes with them (see ``_checked_sample_weight``)."""
        X, y = self._checked_data(
            X,
            y,
            accept_sparse="csr",
            multi_output=True,
            dtype=(np.float64, np.float32),
            y_numeric=self._y_numeric,
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not reset and hasattr(self, "network_"):
            # Training continues in the model's precision, as in scikit-learn.
            X = X.astype(self.network_.params.dtype, copy=False)
        Y = self._encode_targets(y, X.dtype, reset, incremental, classes)
        sample_weight = self._target_weights(y, sample_weight, X, incremental)
        sample_weight, alpha = self._checked_sample_weight(sample_weight, X)
        return X, y, Y, sample_weight, alpha

    def _network(self, dtype):
        """A copy of the fitted network in ``dtype``, ready to train."""
        return self.network_.for_training(self._loss(), dtype)

    def _fit_initialization_to(self, X, rng, network, max_rows=1000):
        """``data_init``: the hidden layers rescaled and their biases placed
        on (at most ``max_rows``) training rows (``_initializers.fit_to_data``)."""
        if hasattr(X, "tocsr"):
            X = X[: min(max_rows, X.shape[0])].toarray()
        rows = rng.permutation(X.shape[0])[:max_rows]
        A = network.through_inputs(np.asarray(X[rows]))
        names = self._activations(len(network.coefs) - 1)
        fit_to_data(network.coefs, network.intercepts, A, names, rng)

    def _layers(self, X, n_outputs, hidden_layer_sizes):
        """The layers of a new network for X: the input layers the settings
        ask for, then the dense stack (an ensemble's last layer holds every
        member's output head)."""
        inputs = input_layers(
            X,
            self._numeric_columns(X.shape[1]),
            self._wide_category_blocks(),
            piecewise_linear_bins=self.piecewise_linear_bins,
            numerical_embedding=self.numerical_embedding,
            category_embedding=self.category_embedding,
            feature_scaling=self.feature_scaling,
            ensemble_size=self.ensemble_size,
        )
        width = inputs[-1].units_out if inputs else X.shape[1]
        dense = multilayer_perceptron(
            [width, *hidden_layer_sizes, n_outputs * self.ensemble_size],
            self.activation,
            first=not learned(inputs),
            members=self.ensemble_size,
            parametric=self.parametric_activation,
            init=self.init,
        )
        return inputs + dense

    def _wide_category_blocks(self):
        """The one-hot blocks that ``category_embedding`` embeds: those of
        categorical columns wider than the embedding."""
        size = self.category_embedding
        if size is None:
            return []
        encoder = getattr(self, "input_encoder_", None)
        if encoder is None or not hasattr(encoder, "_category_blocks"):
            raise ValueError(
                "category_embedding needs input_encoding='tabular' (or a TabularEncoder): "
                "the encoder says which input columns are one categorical column."
            )
        return [(a, b) for a, b in encoder._category_blocks() if b - a > size]

    def _numeric_columns(self, n_columns):
        """The network inputs that are numbers (the embedding's columns):
        those the input encoder marks so, or every column without one."""
        encoder = getattr(self, "input_encoder_", None)
        if encoder is not None and hasattr(encoder, "numeric_columns_"):
            return np.asarray(encoder.numeric_columns_, dtype=np.intp)
        return np.arange(n_columns)

    def _group_settings(self):
        """``group_learning_rates`` as the optimizer's per-group settings."""
        rates = self.group_learning_rates
        if not rates:
            return None
        unknown = sorted(set(rates) - set(PARAMETER_GROUPS))
        bad = [k for k, v in rates.items() if not (isinstance(v, Real) and 0 < v < np.inf)]
        if unknown or bad:
            raise ValueError(
                f"group_learning_rates={rates!r}: keys must be among {list(PARAMETER_GROUPS)} "
                f"and values positive finite numbers; got unknown keys {unknown} and bad "
                f"values for {sorted(bad)}."
            )
        return {(None, group): GroupSettings(rate=float(r)) for group, r in rates.items()}

    def _objective_function(self, X, y, sample_weight=None, dtype=None):
        """The objective ``J`` on (X, y) as a function of the flat weights.

        Nothing is trained or changed. Returns ``(theta, objective)``:
        ``theta`` is a copy of the current weights, flat, and
        ``objective(theta)`` returns ``J`` and a copy of its gradient there.
        ``dtype`` (default: that of X) sets the precision of the computation.
        """
        check_is_fitted(self)
        X, _, Y, sample_weight, alpha = self._validate_training_data(
            X, y, sample_weight, reset=False, incremental=True, classes=None
        )
        if dtype is not None:
            X, Y = X.astype(dtype), Y.astype(dtype)
            sample_weight = None if sample_weight is None else sample_weight.astype(dtype)
        net = self._network(X.dtype)
        scales = full_batch_scales(X.shape[0], sample_weight, alpha)
        J = Objective(net, self.l1_ratio)

        def objective(theta):
            net.params[...] = theta
            value = J.value_and_gradient(X, Y, sample_weight, *scales)
            return value, net.grads.copy()

        return net.params.copy(), objective

    def _activations(self, n_hidden):
        """The activation of each hidden layer, checked."""
        names = per_layer(self.activation, n_hidden)
        if len(names) != n_hidden or not all(
            isinstance(name, str) and name in HIDDEN_ACTIVATIONS for name in names
        ):
            raise ValueError(
                f"activation={self.activation!r} must be one of {sorted(HIDDEN_ACTIVATIONS)}, "
                f"or a sequence of them with one per hidden layer ({n_hidden} here)."
            )
        return names

    def _check_penalties(self):
        if self.l1_ratio and self.solver == "lbfgs":
            raise ValueError(
                "l1_ratio > 0 needs a stochastic solver ('sgd', 'adam' or 'gd'): the L1 "
                "term is not differentiable at 0, which breaks L-BFGS's line search. Use "
                "l1_ratio=0 (pure L2) with lbfgs."
            )
        if self.weight_decay and self.solver != "adam":
            raise ValueError(
                "weight_decay is AdamW's decoupled weight decay, for solver='adam'. For "
                "'sgd' and 'gd' decoupled decay is the L2 penalty: use alpha."
            )

    def _dropout_rates(self, n_hidden):
        """One dropout rate per hidden layer, checked."""
        rates = self.dropout
        if _is_rate(rates):
            rates = [float(rates)] * n_hidden
        else:
            # A list, tuple or array of numbers; nothing else (no dict, set,
            # string, ragged or nested list) is read as rates.
            if isinstance(rates, np.ndarray) and rates.ndim == 1:
                rates = list(rates)
            if not isinstance(rates, (list, tuple)) or not all(_is_rate(r) for r in rates):
                rates = None
            if rates is None or len(rates) != n_hidden:
                raise ValueError(
                    f"dropout={self.dropout!r} must be one rate in [0, 1), or a list of "
                    f"rates with one per hidden layer ({n_hidden} here), each in [0, 1)."
                )
            rates = [float(rate) for rate in rates]
        if self.solver == "lbfgs" and any(rates):
            raise ValueError(
                "dropout needs a stochastic solver ('sgd', 'adam' or 'gd'): L-BFGS would "
                "minimise the objective of one fixed random mask, which is not what dropout "
                "means. Set dropout=0 or choose another solver."
            )
        return rates

    def _checked_hidden_layer_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
        for size in sizes:
            if not isinstance(size, Integral) or isinstance(size, bool) or size < 1:
                raise InvalidParameterError(
                    "The 'hidden_layer_sizes' parameter of "
                    f"{type(self).__name__} must hold positive integers (units "
                    f"per hidden layer); got {self.hidden_layer_sizes!r}."
                )
        return [int(size) for size in sizes]

    def _checked_sample_weight(self, sample_weight, X):
        """Sample weights in X's dtype, and the ``alpha`` to train with.

        Checked in float64 (negative, non-finite and all-zero weights are
        refused: S = 0 in J). They are then scaled by the power of two that
        brings their mean nearest 1, and ``alpha`` with them: powers of two
        scale exactly, so J is unchanged, but float32 can now hold weights
        (and their sums and products) that would overflow it as given.
        """
        if sample_weight is None:
            return None, self.alpha
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
        exponent = -int(np.round(np.log2(sample_weight.mean())))
        return np.ldexp(sample_weight, exponent).astype(X.dtype), np.ldexp(self.alpha, exponent)

    def _initialize(self, X, n_outputs, hidden_layer_sizes, rng):
        """A new network with its first weights, and every fitted attribute
        reset."""
        network = Network.initialized(self._layers(X, n_outputs, hidden_layer_sizes), rng, X.dtype)
        if self.data_init:
            self._fit_initialization_to(X, rng, network)
        self.network_ = network
        self.n_layers_ = len(network.units)
        self.n_outputs_ = n_outputs
        self.out_activation_ = self._out_activation()
        self._fitted_model_params = self._model_params()
        self._reset_training_state()

    def _reset_training_state(self):
        """The bookkeeping of a network that has not been trained yet."""
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self.history_ = []
        self.best_loss_ = np.inf
        self.validation_scores_ = None
        self.validation_loss_curve_ = None
        self.best_validation_score_ = None
        self.best_epoch_ = None
        self.learning_rate_ = None
        self.n_clipped_steps_ = 0
        self._no_improvement_count = 0
        self._optimizer = None

    def _check_architecture(self, X, n_outputs, hidden_layer_sizes):
        """Continuing training needs the same layers as the weights have."""
        network = self.network_
        width = network.input_layers[-1].units_out if network.input_layers else X.shape[1]
        layer_units = [width, *hidden_layer_sizes, n_outputs * self.ensemble_size]
        current = network.units
        if current != layer_units:
            raise ValueError(
                "Cannot continue training: the data and hidden_layer_sizes give "
                f"layer sizes {layer_units}, but the fitted weights have {current}. "
                "Set warm_start=False to train a new network."
            )

    def _prepared_optimizer(self, net, incremental, epochs, record):
        """The optimizer's state kept for partial_fit, or a fresh one for fit
        (its schedule planned over ``epochs``)."""
        if not incremental:
            record.n_iter = 0
            record.no_improvement_count = 0
        # (The working copy of the estimator holds a copy of the optimizer.)
        reuse = incremental and type(self._optimizer) is OPTIMIZERS[self.solver]
        optimizer = self._optimizer
        if not reuse:
            self._warn_long_warmup()
            optimizer = make_optimizer(self, net, epochs, self._group_settings())
        record.learning_rate = optimizer.rate
        return optimizer

    def _warn_long_warmup(self):
        """``warmup_epochs >= max_iter`` is a setting that cannot be meant as
        it reads (see ``_schedules``: such a warm-up is shortened)."""
        warmup, epochs = self.warmup_epochs, self.max_iter
        if warmup and warmup >= epochs:
            anneal = " and anneals to 0" if self.learning_rate in ANNEALING else ""
            warnings.warn(
                f"warmup_epochs={warmup} is not shorter than max_iter={epochs}: such a "
                f"warm-up would never reach learning_rate_init. It is shortened to "
                f"{effective_warmup(warmup, epochs)} epochs, so that the rate peaks{anneal} "
                "within max_iter.",
                UserWarning,
            )

    # ---------------------------------------------- recommended configuration

    #: The configuration ``for_tabular`` returns, chosen by measurement on the
    #: 23 data sets of ``benchmarks/tabular.py`` (REALDATA.md, "The harder
    #: suite"; the user guide's "Tabular data" has the ablation): the raw
    #: DataFrame encoded in float32, piecewise-linear encodings of each
    #: number over 16 quantile bins (in place of the periodic embedding: on
    #: the suite they brought the worst set from 0.042 to 0.021 below the
    #: better tree, for 0.002 of the mean score, and cost less), two
    #: layers of 64 silu units, light dropout, AdamW's decoupled decay with
    #: beta_2 = 0.95, and a fixed budget of at most 60 epochs and 2,000 steps
    #: under RealMLP's four-cycle coslog4 schedule.
    _TABULAR = {
        "hidden_layer_sizes": (64, 64),
        "activation": "silu",
        "dropout": 0.1,
        "solver": "adam",
        "learning_rate": "coslog4",
        "beta_2": 0.95,
        "learning_rate_init": 0.003,
        "batch_size": 64,
        "max_iter": 60,
        "max_steps": 2000,
        "n_iter_no_change": 60,
        "weight_decay": 0.05,
        "input_encoding": "tabular",
        "piecewise_linear_bins": 16,
    }

    @classmethod
    def for_tabular(cls, **overrides):
        """The configuration recommended for tabular data, as an ordinary estimator.

        Parameters
        ----------
        **overrides : dict
            Any constructor parameter, replacing the recommended value.

        Returns
        -------
        estimator : MLPRegressor or MLPClassifier
            An unfitted estimator; every parameter the configuration sets is
            visible in ``get_params()``, so it clones, searches and pickles
            like any other.

        Examples
        --------
        >>> from sknn_scratch import MLPRegressor
        >>> reg = MLPRegressor.for_tabular(random_state=0)
        >>> reg.get_params()["learning_rate"], reg.get_params()["hidden_layer_sizes"]
        ('coslog4', (64, 64))
        >>> MLPRegressor.for_tabular(dropout=0.2).dropout
        0.2
        """
        return cls(**{**cls._TABULAR, **overrides})

    # ------------------------------------------------------ explicit weights

    @classmethod
    def _from_checked_weights(cls, coefs, intercepts, params):
        """An estimator ready to predict with the given weights.

        Sets every fitted attribute as a fresh ``fit`` would, except that no
        training has happened (``n_iter_ == 0``, empty ``loss_curve_``).
        """
        coefs, intercepts = checked_weights(coefs, intercepts)
        hidden = tuple(coef.shape[1] for coef in coefs[:-1])
        est = cls(hidden_layer_sizes=hidden, **params)
        est._validate_params()
        est.n_features_in_ = coefs[0].shape[0]
        est.n_layers_ = len(coefs) + 1
        est.n_outputs_ = coefs[-1].shape[1]
        est.network_ = Network.of_lists(coefs, intercepts, est.activation)
        est._fitted_model_params = est._model_params()
        est._reset_training_state()
        return est

    def hidden_activations(self, X, *, pre_activation=False):
        """The values of every hidden unit, layer by layer.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        pre_activation : bool, default=False
            Also return each layer's weighted sums ``Z = A @ W + b``, the
            values before the activation (what the introduction writes in
            its figures next to the values after it).

        Returns
        -------
        activations : list of ndarray
            One array of shape (n_samples, units) per hidden layer, holding
            the values after the activation (with ``activation="identity"``,
            the plain multiply-add sums ``A @ W + b``).
        (sums, activations) : tuple of two lists of ndarray
            With ``pre_activation=True``: the weighted sums, then the values
            after the activation, one array per hidden layer in each.

        Examples
        --------
        >>> from sknn_scratch import MLPRegressor
        >>> net = MLPRegressor.from_weights([[[1, -1], [1, 1]], [[2], [-1]]],
        ...                                 activation="relu")
        >>> net.hidden_activations([[2, -3]])
        [array([[0., 0.]])]
        >>> net.hidden_activations([[2, -3]], pre_activation=True)
        ([array([[-1., -5.]])], [array([[0., 0.]])])
        """
        X = self._validated_input(X)
        if self.ensemble_size > 1:
            raise ValueError(
                f"hidden_activations shows one network; this model is an ensemble of "
                f"{self.ensemble_size} members (ensemble_size={self.ensemble_size}), whose "
                "hidden layers see each row once per member. Fit it with ensemble_size=1 "
                "to look inside."
            )
        sums, values = self.network_.hidden_sums_and_values(X)
        return (sums, values) if pre_activation else values

    # -------------------------------------------------------------- predict

    def _validated_input(self, X):
        """X checked against the fitted estimator, as float64 or float32."""
        check_is_fitted(self)
        return self._checked_data(
            X, accept_sparse="csr", dtype=(np.float64, np.float32), reset=False
        )

    def _checked_data(self, X, y="no_validation", *, reset, **checks):
        """``validate_data``, after ``input_encoding`` turned the raw columns
        of X into numbers (its encoder fitted anew when ``reset``; never
        when predicting)."""
        if self.input_encoding is None:
            if reset:  # a refit without an encoder keeps none from before
                self.__dict__.pop("input_encoder_", None)
            elif hasattr(self, "input_encoder_"):
                raise ValueError(
                    "This model was fitted with input_encoding="
                    f"{self._fitted_encoding()!r}, which is now None; "
                    "set it back, or call fit again to train without it."
                )
            return self._validated_without_encoding(X, y, reset, checks)
        if hasattr(X, "tocsr"):
            raise TypeError(
                "input_encoding encodes the columns of a DataFrame or dense array; "
                "X is a sparse matrix. Set input_encoding=None for sparse input."
            )
        if not reset and not hasattr(self, "input_encoder_"):
            raise ValueError(
                f"input_encoding={self._input_encoding_key()!r} was set after this model was "
                "fitted without it: predicting does not fit an encoder. Call fit again to "
                "train with it, or set input_encoding=None."
            )
        validate_data(self, X, skip_check_array=True, reset=reset)  # the raw columns
        if reset:
            # (fit_blocks hands over the encoder it learned from every block.)
            fitted = self.__dict__.pop("_encoder_from_blocks", None)
            self.input_encoder_ = fitted or self._new_input_encoder().fit(X)
        X = self.input_encoder_.transform(X)
        if isinstance(y, str) and y == "no_validation":
            return check_array(X, accept_sparse=False, dtype=checks["dtype"])
        return check_X_y(X, y, **checks)

    def _fitted_encoding(self):
        return getattr(self, "_fitted_model_params", {}).get("input_encoding", "tabular")

    def _validated_without_encoding(self, X, y, reset, checks):
        """``validate_data`` on X as it is; a table of text or categories is
        refused with a message that names the library's own answer."""
        try:
            return validate_data(self, X, y, reset=reset, **checks)
        except ValueError as error:
            if not _has_text_columns(X):
                raise
            raise ValueError(
                f"{error}\nX holds text or categorical columns, which "
                f"{type(self).__name__} reads only through an encoder: pass "
                f'input_encoding="tabular" (a TabularEncoder in front), or start from '
                f"{type(self).__name__}.for_tabular(), the recipe for raw tables."
            ) from None

    def _new_input_encoder(self):
        if isinstance(self.input_encoding, str):  # "tabular", the one name
            # float32: the network then trains in float32, 1.4-1.7x faster
            # with the same scores to 4 decimals on the tabular suite.
            return TabularEncoder(dtype=np.float32)
        return clone(self.input_encoding)

    def _input_encoding_key(self):
        """``input_encoding`` as a value that compares equal across clones."""
        encoding = self.input_encoding
        return encoding if encoding is None or isinstance(encoding, str) else repr(encoding)

    def _raw_output(self, X):
        """Validate X and run the forward pass up to the raw output."""
        X = self._validated_input(X)
        return self.network_.predict_raw(X, self.out_activation_, self.n_threads)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # --------------------------------------------- implemented by subclasses

    _y_numeric = False

    def _encode_targets(self, y, dtype, first_pass, incremental, classes):
        """Return the targets as a float matrix of shape (n_samples, n_outputs)."""
        raise NotImplementedError

    def _loss(self):
        """The Loss (see ``_losses``) this estimator trains with."""
        return LOSSES[self._loss_name()]

    def _loss_name(self):
        """Key of the loss in ``_losses.LOSSES``."""
        raise NotImplementedError

    def _out_activation(self):
        """Name of the output activation for the current targets."""
        raise NotImplementedError

    def _stratify_validation(self):
        """Whether the early-stopping split is stratified by the target."""
        return False

    def _target_weights(self, y, sample_weight, X, incremental, y_train=None):
        """Sample weights with any per-target weighting (the classifier's
        ``class_weight``) folded in; the regressor has none. ``y_train``:
        the training target, when ``y`` is validation data."""
        return sample_weight

    def _encode_validation_targets(self, y_val, dtype):
        """Validation targets encoded like the training targets, checked
        against what the model was fitted on."""
        raise NotImplementedError

    def _default_score(self, raw, y, sample_weight):
        """The early-stopping score for ``scoring=None`` (R^2 or accuracy),
        from the raw outputs (which it may overwrite)."""
        raise NotImplementedError

    def _responses_from_raw(self):
        """``{method name: function of raw outputs}`` for the prediction
        methods a scorer may call (see ``_validation``)."""
        raise NotImplementedError

    def _output_problems(self):
        """Inconsistencies of the fitted output layer (see ``_state``)."""
        raise NotImplementedError
