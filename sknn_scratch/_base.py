"""BaseMLP: hyper-parameters, validation, and the fit/partial_fit skeleton.

The regressor and the classifier differ only in how they encode targets, pick
the loss and output activation, and turn raw outputs into predictions; all of
that is behind the few abstract methods at the end of this class.
"""

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import (
    check_is_fitted,
)

from ._compat import (
    CallbackSupportMixin,
    with_callbacks,
)
from ._data import DataChecks
from ._fitted import FittedNetwork, all_or_nothing
from ._held_out import warn_if_unlike
from ._initializers import fit_to_data
from ._input_layers import input_layers, learned
from ._layers import multilayer_perceptron
from ._losses import LOSSES
from ._network import Network, checked_weights
from ._objective import Objective, full_batch_scales
from ._optimizers import STOCHASTIC_SOLVERS
from ._plan import Call, fit_call
from ._settings import (
    PARAMETER_CONSTRAINTS,
    TABULAR,
    activations_of,
    check_scoring,
    check_settings,
    check_unchanged,
    hidden_layer_sizes_of,
)


def _has_stochastic_solver(est):
    """``available_if`` check: partial_fit exists only for epoch-wise solvers."""
    return est.solver in STOCHASTIC_SOLVERS


class BaseMLP(FittedNetwork, DataChecks, CallbackSupportMixin, BaseEstimator):
    """Shared machinery of MLPRegressor and MLPClassifier; not for direct use."""

    _parameter_constraints: dict = PARAMETER_CONSTRAINTS

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
        budget_rows=None,
        dropout_rows=None,
        refit=False,
        input_encoding=None,
        numerical_embedding=None,
        feature_scaling=False,
        group_learning_rates=None,
        data_init=False,
        ensemble_size=1,
        regularization_schedule="constant",
        average_epochs=1,
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
        self.budget_rows = budget_rows
        self.dropout_rows = dropout_rows
        self.refit = refit
        self.input_encoding = input_encoding
        self.numerical_embedding = numerical_embedding
        self.feature_scaling = feature_scaling
        self.group_learning_rates = group_learning_rates
        self.data_init = data_init
        self.ensemble_size = ensemble_size
        self.regularization_schedule = regularization_schedule
        self.average_epochs = average_epochs
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
            fitted_with = getattr(self, "_fitted_model_params", None)
            check_unchanged(fitted_with, self._model_params(), incremental)
        X, y, Y, sample_weight, alpha = self._validate_training_data(
            X, y, sample_weight, first_pass, incremental, classes
        )
        check_scoring(self, validation)
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
        call = Call(X, Y, sample_weight, y, validation, rng, alpha, incremental, owner)
        fit_call(self, net, call, lambda: self._renewed(X, Y.shape[1], hidden_layer_sizes, rng))
        return self

    def _renewed(self, X, n_outputs, hidden_layer_sizes, rng):
        """New weights (``refit``'s second training), and their network."""
        self._initialize(X, n_outputs, hidden_layer_sizes, rng)
        net = self._network(X.dtype)
        self.network_ = net.fitted()
        return net

    def _checked_settings(self, incremental):
        """Check every parameter and every combination of them, before any
        work; return the hidden layer sizes."""
        self._validate_params()
        return check_settings(vars(self), incremental, type(self).__name__)

    def _model_params(self):
        """The parameters that give the fitted weights their meaning.

        Continuing training (``partial_fit``, ``warm_start``) after one of
        them changed would train one model and predict with another, so it
        is refused; a new ``fit`` is needed.
        """
        activation = self.activation
        return {
            "activation": activation if isinstance(activation, str) else tuple(activation),
            "hidden_layer_sizes": tuple(
                hidden_layer_sizes_of(self.hidden_layer_sizes, type(self).__name__)
            ),
            "input_encoding": self._input_encoding_key(),
            "numerical_embedding": self.numerical_embedding,
            "feature_scaling": bool(self.feature_scaling),
            "ensemble_size": self.ensemble_size,
            "piecewise_linear_bins": self.piecewise_linear_bins,
            "category_embedding": self.category_embedding,
            "parametric_activation": bool(self.parametric_activation),
        }

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
        names = activations_of(self.activation, len(network.coefs) - 1)
        fit_to_data(network.coefs, network.intercepts, A, names, rng)

    def _layers(self, X, n_outputs, hidden_layer_sizes):
        """The layers of a new network for X: the input layers the settings
        ask for, then the dense stack (an ensemble's last layer holds every
        member's output head)."""
        embeddings = {
            "piecewise_linear_bins": self.piecewise_linear_bins,
            "numerical_embedding": self.numerical_embedding,
            "category_embedding": self.category_embedding,
            "feature_scaling": self.feature_scaling,
        }
        inputs = []
        if any(embeddings.values()) or self.ensemble_size > 1:
            # (With none asked for, as by default, the data need no look.)
            numeric = self._numeric_columns(X.shape[1])
            blocks = self._wide_category_blocks()
            inputs = input_layers(
                X, numeric, blocks, ensemble_size=self.ensemble_size, **embeddings
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
        self.averaged_epochs_ = None
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

    # ---------------------------------------------- recommended configuration

    #: The configuration ``for_tabular`` returns (``_settings.TABULAR``).
    _TABULAR = TABULAR

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
        # (A copy of each dict, so that no two estimators share one.)
        recipe = {k: dict(v) if isinstance(v, dict) else v for k, v in cls._TABULAR.items()}
        return cls(**{**recipe, **overrides})

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

    def _validation_strata(self, Y):
        """What the early-stopping split is stratified by, one value per row
        of the encoded targets ``Y``; None where it is not stratified."""
        return None

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
