"""MLPRegressor: identity (or exp) output, squared-error (or Poisson) loss."""

from numbers import Real

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.metaestimators import available_if

from ._activations import OUTPUT_ACTIVATIONS
from ._base import BaseMLP, _has_stochastic_solver
from ._compat import Interval, StrOptions
from ._losses import LOSSES, PARAMETRIC_LOSSES


class MLPRegressor(RegressorMixin, BaseMLP):
    """Multi-layer perceptron regressor, written from scratch in NumPy.

    A drop-in replacement for :class:`sklearn.neural_network.MLPRegressor`
    with the same parameters and fitted attributes, plus the textbook solver
    ``"gd"``, and one objective shared by every solver.

    **Forward propagation.** Each layer computes ``A_{l+1} = f(A_l @ W_l + b_l)``
    with ``A_0 = X``; ``f`` is ``activation`` for hidden layers and the
    identity for the output (``exp`` with ``loss="poisson"``).

    **Objective.** With sample weights ``s_i`` (all 1 by default),
    ``S = sum_i s_i`` and the predictions ``y_hat_i``, every solver minimises

    .. math::

        J = \\frac{1}{S} \\Big( \\sum_i s_i \\, \\ell_i
            + \\frac{\\alpha}{2} \\sum_l \\lVert W_l \\rVert_F^2 \\Big)

    where ``l_i = 1/2 * sum_k (y_hat_ik - y_ik)^2`` is half the sum of squared
    errors of sample ``i`` over its outputs (``loss="squared_error"``), or half
    the Poisson deviance ``sum_k y_ik log(y_ik / y_hat_ik) - y_ik + y_hat_ik``
    (``loss="poisson"``). The cost is thus the SSE averaged over the samples,
    so the learning rate does not depend on the batch size, and ``alpha``
    means the same penalty for every solver (minibatch gradients are unbiased
    estimates of the full gradient of ``J``). For lbfgs this is exactly
    scikit-learn's objective; scikit-learn's sgd and adam divide ``alpha`` by
    the batch size instead, so they penalise more than ours at equal ``alpha``.
    ``loss_`` and ``loss_curve_`` report ``J``; for several outputs it is
    summed (not averaged) over outputs.

    Parameters
    ----------
    loss : {'squared_error', 'poisson', 'absolute_error', 'huber', 'quantile'}, \
default='squared_error'
        The per-sample loss ``l_i``, summed over outputs, with residuals
        ``r = y_hat - y``: half the squared error ``r^2 / 2`` (scikit-learn's);
        half the Poisson deviance with an exponential output (targets must
        be non-negative); the absolute error ``|r|`` (predicts the median);
        the Huber loss, ``r^2 / 2`` for ``|r| <= huber_delta`` and
        ``huber_delta * (|r| - huber_delta / 2)`` beyond (robust to
        outliers); or the pinball loss of ``quantile`` q,
        ``max((1 - q) r, -q r)`` (predicts the q-quantile).
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of units of the ith hidden layer. An
        empty tuple gives a linear model.
    activation : {'identity', 'logistic', 'tanh', 'relu', 'leaky_relu', 'elu', \
'gelu', 'silu', 'softplus'}, default='relu'
        Activation of the hidden layers: ``z``, ``1 / (1 + exp(-z))``,
        ``tanh(z)``, ``max(z, 0)`` (scikit-learn's four), or ``z`` for
        ``z > 0`` else ``0.01 z`` (leaky_relu), else ``exp(z) - 1`` (elu),
        ``z Phi(z)`` with ``Phi`` the normal CDF (gelu), ``z / (1 + exp(-z))``
        (silu), ``log(1 + exp(z))`` (softplus). A sequence of these names
        gives each hidden layer its own activation.
    solver : {'lbfgs', 'sgd', 'adam', 'gd'}, default='adam'
        The optimizer: 'lbfgs' (quasi-Newton, full batch), 'sgd' (minibatch
        gradient descent with momentum), 'adam' (Kingma and Ba), or 'gd'
        (full-batch gradient descent: one step per epoch, the same update
        rule as 'sgd'; set ``momentum=0`` for the plain ``w -= eta * grad``).
    alpha : float, default=0.0001
        Strength of the L2 penalty in the objective above.
    batch_size : int or 'auto', default='auto'
        Minibatch size for 'sgd' and 'adam'; 'auto' is ``min(200, n_samples)``.
        Ignored by 'gd' and 'lbfgs'.
    learning_rate : {'constant', 'invscaling', 'adaptive', 'cosine', 'coslog4'}, default='constant'
        Learning-rate schedule of 'sgd', 'gd' and 'adam' (scikit-learn
        applies it to 'sgd' only), stepped once per epoch: constant;
        ``learning_rate_init / (t + 1) ** power_t`` after each epoch, ``t``
        being the number of samples seen; divided by 5 whenever training
        stops improving, instead of stopping; cosine annealing from
        ``learning_rate_init`` towards 0 over ``max_iter`` epochs; or
        RealMLP's 'coslog4', four cosine cycles of growing length over
        ``max_iter`` epochs (see :mod:`sknn_scratch._schedules`).
    learning_rate_init : float, default=0.001
        Initial learning rate of 'sgd', 'gd' and 'adam'.
    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.
    max_iter : int, default=200
        Maximum number of epochs ('gd', 'sgd', 'adam') or iterations ('lbfgs').
    shuffle : bool, default=True
        Whether to shuffle the samples in each epoch ('sgd', 'adam').
    random_state : int, RandomState instance or None, default=None
        The only source of randomness: weight initialisation, shuffling and
        the early-stopping split. Pass an int for reproducible results.
    tol : float, default=1e-4
        Training stops when the loss (or validation score) has not improved
        by at least ``tol`` for ``n_iter_no_change`` consecutive epochs; for
        'lbfgs' it is the gradient tolerance.
    verbose : bool, default=False
        Whether to print the loss after each epoch.
    warm_start : bool, default=False
        Whether ``fit`` continues from the current weights.
    momentum : float, default=0.9
        Momentum of 'sgd' and 'gd', in [0, 1].
    nesterovs_momentum : bool, default=True
        Whether 'sgd' and 'gd' use Nesterov's momentum.
    early_stopping : bool, default=False
        Whether to stop when the validation score (``scoring``, R^2 by
        default) stops improving, and restore the best epoch's weights. The
        validation data are ``X_val, y_val`` given to ``fit``, or else
        ``validation_fraction`` of the training data. Stochastic solvers only.
    validation_fraction : float, default=0.1
        Fraction of the training data held out for early stopping.
    beta_1 : float, default=0.9
        Decay rate of Adam's first-moment estimate, in [0, 1).
    beta_2 : float, default=0.999
        Decay rate of Adam's second-moment estimate, in [0, 1).
    epsilon : float, default=1e-8
        Adam's numerical-stability constant.
    n_iter_no_change : int, default=10
        Number of epochs without improvement that stops training.
    max_fun : int, default=15000
        Maximum number of objective evaluations of 'lbfgs'.
    scoring : str, callable or None, default=None
        What early stopping watches on the validation data, higher being
        better: None for R^2 (scikit-learn's behaviour), ``"loss"`` for
        minus the validation objective, or any scikit-learn scorer name
        (``"neg_mean_absolute_error"``, ``"neg_median_absolute_error"``, ...) or callable
        ``scorer(estimator, X, y)`` (e.g. from ``make_scorer``; it gets
        ``sample_weight=`` only if its signature takes it).
        ``n_iter_no_change`` and ``tol`` apply to it. A scoring this
        estimator cannot compute (a name that is not a scorer, or one that
        needs a method it lacks, such as ``"roc_auc"`` on a regressor) is
        refused before training; one that nothing uses (no
        ``early_stopping``, no ``X_val``) is warned about. An epoch whose
        score is not a finite number is never the best and does not count
        towards ``n_iter_no_change`` (with a warning); if no epoch has a
        finite score, the last epoch's weights are kept.
    warmup_epochs : int, default=0
        Epochs of linear warm-up: epoch ``k <= warmup_epochs`` multiplies
        the scheduled rate by ``k / (warmup_epochs + 1)``; the cosine
        schedule then anneals over the remaining epochs. A warm-up not
        shorter than the planned epochs (``max_iter``, or fewer under
        ``max_steps``) is shortened to half of them, so that the rate peaks
        and anneals within the plan (``warmup_epochs >= max_iter`` warns).
    max_grad_norm : float or None, default=None
        If set, each step's gradient is scaled down to this Euclidean norm
        (over all weights and biases) when it is longer; ``n_clipped_steps_``
        counts those steps. Stochastic solvers only.
    max_time : float or None, default=None
        If set, training stops with a ConvergenceWarning after the epoch
        (or L-BFGS iteration) in which this many seconds have passed; with
        ``early_stopping`` the best epoch's weights are kept.
    init : {'glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal', \
'lecun_normal', 'uniform'}, default='glorot_uniform'
        How the weights are drawn from ``random_state``. 'glorot_uniform'
        is scikit-learn's, biases included: ``U(-b, b)`` with
        ``b = sqrt(6 / (fan_in + fan_out))`` (2 instead of 6 for the
        logistic activation). The others are Keras' definitions with zero
        biases: normal with variance ``2 / (fan_in + fan_out)``;
        ``U(-sqrt(6 / fan_in), sqrt(6 / fan_in))``; normal with variance
        ``2 / fan_in`` or ``1 / fan_in``; ``U(-0.05, 0.05)`` (Keras' old
        default).
    dropout : float or array-like of float, default=0.0
        Inverted dropout in training: each hidden unit's value is zeroed
        with this probability (or one probability per hidden layer) and the
        others scaled by ``1 / (1 - p)``, so expected values are unchanged
        and ``predict`` uses the whole network, deterministically. Masks come
        from ``random_state``. Stochastic solvers only (refused with lbfgs).
    l1_ratio : float, default=0.0
        Elastic net: the penalty in J becomes
        ``alpha * (l1_ratio * ||W||_1 + (1 - l1_ratio) / 2 * ||W||^2)``, on
        the same scale as the pure L2 ``alpha`` (0, the default). The L1
        term enters every stochastic solver as its sub-gradient
        ``alpha * l1_ratio * sign(w)``: one path for sgd, gd and adam (whose
        per-weight step sizes leave a proximal step ill-defined), so useless
        weights hover near 0 rather than being exactly 0. Refused with
        lbfgs, whose line search needs a smooth objective.
    weight_decay : float, default=0.0
        Decoupled weight decay for 'adam' (AdamW, Loshchilov and Hutter):
        before each step the weights shrink by ``learning_rate * weight_decay``
        (the scheduled rate), outside the gradient. Unlike ``alpha``, whose
        gradient Adam rescales weight by weight, every weight decays at the
        same relative rate. Biases do not decay. 'adam' only.
    max_steps : int or None, default=None
        A budget of optimizer steps (mini-batches) for ``fit`` with a
        stochastic solver: training runs at most
        ``ceil(max_steps / steps_per_epoch)`` whole epochs (and never more
        than ``max_iter``), so the work done follows this budget, not the
        size of the data. The schedules plan over that number of epochs
        (cosine anneals to 0 at its end). None: ``max_iter`` alone.
        Ignored by ``partial_fit``; refused with 'lbfgs', whose iterations
        ``max_iter`` counts.
    budget_rows : int or None, default=None
        The number of training rows that ``batch_size`` and
        ``learning_rate_init`` are meant for. A ``fit`` on ``n`` rows, more
        than ``budget_rows``, takes batches ``n / budget_rows`` times larger
        (rounded; ``"auto"`` from 200 rows) at a learning rate
        ``sqrt(n / budget_rows)`` times higher, for the same ``max_steps``:
        it makes as many passes over its rows as a fit on ``budget_rows``
        rows, at a cost that grows linearly with the rows (as the trees'
        does), and by the square-root scaling rule of adaptive optimizers
        (a batch ``g`` times larger at a rate ``sqrt(g)`` times higher
        follows the same path with less noise) its steps go as far as
        ``sqrt(g)`` times as many would on the smaller batch: more rows
        mean more learning. None: the batch and the rate are
        ``batch_size``'s and ``learning_rate_init``'s whatever the rows
        (scikit-learn's behaviour). Not with 'lbfgs'; ``partial_fit`` does
        not grow them.
    dropout_rows : int or None, default=None
        The number of training rows that ``dropout`` is meant for. A
        ``fit`` on ``n`` rows, more than ``dropout_rows``, multiplies each
        dropout rate by ``dropout_rows / n``: many rows regularise by
        themselves, and a fixed rate then holds the network back (the
        Tabular data page has the measurement). None: the rates are
        ``dropout``'s whatever the rows. ``partial_fit`` keeps them.
    refit : bool, default=False
        With ``early_stopping=True`` and no ``X_val``: after a first
        training on the rows early stopping keeps, which chooses its best
        epoch on the ``validation_fraction`` held out, train new weights on
        every row for the same fraction of the planned epochs (the schedule
        planned as for a whole fit, and stopped there; of equally good
        epochs, within ``tol``, the latest), so that no row is
        left unlearned; about 1.5 to 2 times the fit time. The fitted
        ``validation_scores_``, ``best_validation_score_`` and
        ``best_epoch_`` are the first training's; ``n_iter_``,
        ``loss_curve_`` and the weights the second's. False:
        scikit-learn's behaviour. Needs ``early_stopping=True``; not with
        ``warm_start=True``.
    input_encoding : {None, "tabular"} or transformer, default=None
        How raw input columns become network inputs. None: X must be
        numeric (scikit-learn's behaviour; preprocessing is the user's).
        "tabular": X may be a raw pandas or polars DataFrame (numbers,
        booleans, categories, text, missing values), encoded in float32
        (the network then trains in float32) by a
        :class:`TabularEncoder` fitted on the training rows: robust
        scaling and smooth clipping of numbers (no clipping with
        ``piecewise_linear_bins``, whose quantile bins are robust already
        and whose last bin extrapolates the tail) with missing-value
        indicators, -1/+1 for two-valued columns, one-hot for the rest,
        zeros for unseen categories. An unfitted transformer (such as
        ``TabularEncoder(max_categories=8)``) is cloned and used instead.
        The fitted encoder is ``input_encoder_``.
    numerical_embedding : {None, "periodic"}, default=None
        A learned embedding of each numeric input column in front of the
        first dense layer. None: the columns go in as they are
        (scikit-learn's behaviour). "periodic": RealMLP's PBLD embedding;
        each column ``x`` becomes 3 learned features of 16 periodic ones,
        ``cos(2 pi w x + b)`` mapped by a small linear layer, followed by
        ``x`` itself, which lets the network draw the sharp thresholds
        trees find easily. The numeric columns are those
        ``input_encoding`` marks so, or every column without it. Its
        parameters are in ``input_params_`` (group "embedding").
    feature_scaling : bool, default=False
        A learned factor per input column (after the embedding), starting
        at 1, before the first dense layer: RealMLP's scaling layer, a soft
        feature selection (group "scales"; it pays with a larger learning
        rate, see ``group_learning_rates``).
    group_learning_rates : dict or None, default=None
        Learning-rate multipliers per group of parameters, for the
        stochastic solvers: keys among "weights", "biases", "embedding",
        "scales", "members" and "activation", values positive, e.g. ``{"scales": 6, "biases":
        0.1}`` (RealMLP's). None: every group at the scheduled rate.
    data_init : bool, default=False
        Data-dependent initialisation (RealMLP's): after the random draw,
        each hidden unit's weights are rescaled so that its weighted sum has
        unit standard deviation on (up to 1,000) training rows, and its
        bias is set to minus a random convex combination of 5 rows' sums,
        which places its kink inside the data. False: scikit-learn's
        initialisation only.
    ensemble_size : int, default=1
        Members of an ensemble trained together in one network (TabM-mini,
        Gorishniy et al., 2025). 1: one network (scikit-learn's behaviour).
        With ``k > 1`` each row goes through the network once per member,
        scaled by the member's own factors ``r_j`` (random signs at the
        start; group "members"), and out of the member's own output head;
        the hidden weights are shared. Training minimises the mean of the
        members' losses; predictions are the mean of the members'
        predictions (probabilities, for a classifier). One matrix product
        per layer serves all members, so ``k`` of them cost far less than
        ``k`` fits. ``coefs_[-1]`` holds the ``k`` heads side by side
        (member ``j``: columns ``j * n_outputs_`` to ``(j + 1) *
        n_outputs_``), ``input_params_[-1]`` the factors.
    regularization_schedule : {"constant", "flat_cosine"}, default="constant"
        How ``dropout`` and ``weight_decay`` change over the planned epochs
        (the stochastic solvers). "constant": as given throughout
        (scikit-learn's behaviour). "flat_cosine" (RealMLP's): as given for
        the first half of the ``max_iter`` epochs (or of those
        ``max_steps`` allows), then a half cosine down to 0 at the end, so
        that the last epochs fit the details with little of either.
    average_epochs : int, default=1
        How many epochs' weights the fitted network is the mean of; only
        used with ``early_stopping=True`` and a stochastic solver (as
        ``validation_fraction``). 1: the epoch with the best validation score
        (scikit-learn's behaviour). ``k > 1``: the mean of the weights of
        the ``k`` epochs with the lowest loss on the held-out rows
        (``validation_loss_curve_``), a "soup" of one run's epochs that
        often generalises better than the best of them under a cyclical
        schedule such as ``coslog4`` (Izmailov et al., 2018; Wortsman et
        al., 2022; the Tabular data page has the measurements).
        It costs ``k`` copies of the weights during training and nothing at
        prediction: the result is one network. ``averaged_epochs_`` names
        the epochs. ``refit`` trains new weights and keeps its last epoch's;
        after a divergence the best sound epoch is kept alone.
    piecewise_linear_bins : int or None, default=None
        The piecewise-linear encoding of each numeric input column
        (Gorishniy et al., 2022), added after the columns themselves: None,
        none (scikit-learn's behaviour); an int ``T``, bins at ``T + 1``
        quantiles of the column on the training rows, and one input per bin
        saying how far past its lower edge the value is (0 before it, 1
        after it, linear in between; the first and last bins extrapolate).
        The first dense layer then draws a threshold at any quantile with
        one weight. The numeric columns are those ``input_encoding`` marks
        so, or every column without it; a column with fewer than two
        distinct bins is left out. The fitted layer (with its bins) is in
        ``input_layers_``.
    category_embedding : int or None, default=None
        Learned embeddings of the categorical columns with many categories
        (RealMLP's): None, every category one-hot (scikit-learn's
        behaviour); an int ``d``, each categorical column whose one-hot
        block (from ``input_encoding``, which it needs) is wider than ``d``
        becomes ``d`` learned values, its category's row of a learned table
        (group "embedding"; unseen and missing categories give zeros).
        Categories then share ``d`` directions instead of each having its
        own first-layer weights, so rare ones borrow from the others. For
        more categories than the encoder's 32, pass
        ``input_encoding=TabularEncoder(max_categories=...)``.
    parametric_activation : bool, default=False
        Parametric hidden activations (RealMLP's): each hidden unit computes
        ``z + a * (f(z) - z)``, ``f`` the activation, with its own learned
        ``a`` starting at 1 (plain ``f``), in ``activation_params_`` (group
        "activation"). A unit whose nonlinearity does not help can move
        towards linear. False: ``f(z)`` (scikit-learn's behaviour).
    n_threads : "auto" or int, default="auto"
        The BLAS threads that fit and predict use (set with threadpoolctl,
        and put back afterwards). "auto": one thread where the matrix
        products are small; otherwise the first steps are timed at one
        thread and at more, the fastest count is kept, and the choice is
        timed again now and then, so that a machine other processes make
        busy (where BLAS's threads only wait for each other) gets one
        thread and a quiet one gets as many as pay. An int ``k >= 1``: ``k``
        threads; -1: every thread the BLAS has. The count chosen is
        ``n_threads_``. Threads change speed, not what is computed, but
        OpenBLAS splits some long sums over its threads, so fits under
        different counts can differ in the last bits: a fixed count
        reproduces a fit bit for bit. (scikit-learn's MLP leaves the BLAS
        at every thread.) See the performance page of the user guide.
    huber_delta : float, default=1.0
        The threshold of ``loss="huber"`` between its quadratic and linear
        parts, in the units of y.
    quantile : float or None, default=None
        The quantile that ``loss="quantile"`` estimates, in (0, 1); required
        with that loss, as in HistGradientBoostingRegressor.
    clip_predictions : bool, default=False
        Clip each prediction to the range of the training targets
        (``target_range_``), as RealMLP does: a network extrapolates
        linearly beyond its data, a target seldom does. False:
        scikit-learn's behaviour.
    standardize_target : bool, default=False
        Train on each output minus its mean, divided by its standard
        deviation (``target_mean_``, ``target_scale_``, from the targets of
        the call that initialises the weights), and predict in y's units
        again. The learning rates, the initialisation and ``alpha`` then
        see targets of unit scale whatever y's units, so the same settings
        fit a price in cents or in millions to the same score (the work of
        a ``TransformedTargetRegressor``, inside the one estimator that
        ``persistence`` saves and ``onnx`` exports). ``loss_``,
        ``loss_curve_``, a ``"loss"`` validation score and ``huber_delta``
        are then in standardised units; predictions, scores and
        ``target_range_`` in y's. Not with ``loss="poisson"``. On in
        ``for_tabular()``; False: scikit-learn's behaviour.

    Attributes
    ----------
    loss_ : float
        The objective ``J`` at the end of training.
    best_loss_ : float
        The lowest ``J`` reached (None while early stopping is used).
    loss_curve_ : list of float
        ``J`` after each epoch or L-BFGS iteration, for every solver.
    target_range_ : tuple of ndarray
        The smallest and largest training target per output, over every
        call since the weights were initialised (``clip_predictions``).
    target_mean_ : ndarray of shape (n_outputs,) or None
        The mean of each output that ``standardize_target`` subtracts;
        None when it is off.
    target_scale_ : ndarray of shape (n_outputs,) or None
        The standard deviation of each output that ``standardize_target``
        divides by (1 for a constant output); None when it is off.
    history_ : list of dict
        One entry per entry of ``loss_curve_`` (every epoch or L-BFGS
        iteration since the weights were initialised), holding every
        quantity recorded for it: ``epoch``, ``loss``, ``seconds`` (the
        epoch's training time), and where they apply ``learning_rate``
        (the rate the epoch trained with), ``validation_loss`` and
        ``validation_score``. ``pandas.DataFrame(est.history_)`` makes a
        table of it.
    validation_scores_ : list of float or None
        The ``scoring`` score (R^2 by default) of the validation data after
        each epoch, when there are validation data (given to ``fit``, or held
        out by early stopping); None otherwise.
    best_validation_score_ : float or None
        The best of ``validation_scores_``.
    validation_loss_curve_ : list of float or None
        The objective ``J`` on the validation data after each epoch (its
        weighted mean loss plus the training objective's penalty term), with
        validation data (given to ``fit`` or split off by early stopping).
    best_epoch_ : int or None
        The epoch of this call (1-based) with the best validation score;
        with ``early_stopping=True`` its weights are the ones kept (with
        ``average_epochs > 1``, the mean of ``averaged_epochs_``' are).
    averaged_epochs_ : list of int or None
        The epochs of this call (1-based) whose weights were averaged into
        the fitted ones (``average_epochs``); None when one epoch's weights
        were kept.
    budget_limited_ : bool or None
        Whether the budget, not convergence, ended the last ``fit``: it ran
        every planned epoch and its validation score was still rising (best
        in the last quarter of the epochs, and more than 0.002 above the
        first half's best); a ConvergenceWarning says so under an annealing
        schedule. More steps (``max_steps``) may then score better. None
        when no validation score was kept (no early stopping and no
        ``X_val``, 'lbfgs', ``partial_fit``) or fewer than 4 epochs ran.
    learning_rate_ : float or None
        The scheduled learning rate of the next epoch (for Adam, before its
        bias correction); None for 'lbfgs'.
    n_clipped_steps_ : int
        Steps whose gradient ``max_grad_norm`` clipped, since the weights
        were initialised.
    t_ : int
        Number of training samples seen by the solver.
    network_ : Network
        The fitted network: its layers (``network_.layers``, the input
        layers and then the dense stack) and the one flat vector of all
        their parameters (``network_.params``). ``coefs_``,
        ``intercepts_``, ``input_params_`` and ``activation_params_`` are
        views of that vector: a change in place changes the model, and an
        entry assigned (``coefs_[i] = W``) is copied in after a check of its
        shape.
    coefs_ : list of ndarray
        ``coefs_[i]`` has shape (units of layer i, units of layer i + 1):
        column ``j`` holds the incoming weights of unit ``j``.
    intercepts_ : list of ndarray
        ``intercepts_[i]`` holds the biases of layer i + 1.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of features seen during fit, when X has string column names.
    input_encoder_ : transformer
        The fitted encoder of the raw columns (with ``input_encoding``).
    input_layers_ : list
        The input layers in front of the first dense layer (with
        ``numerical_embedding`` or ``feature_scaling``), in order.
    input_params_ : list of tuple of ndarray
        Their parameters, one tuple per input layer: the embedding's
        frequencies ``w``, phases ``b``, maps ``L`` and offsets ``c``; the
        scaling layer's factors.
    n_threads_ : int or None
        The BLAS threads the last training steps ran on (see ``n_threads``;
        None where threadpoolctl finds no BLAS to set).
    n_iter_ : int
        Number of epochs (or L-BFGS iterations) run by the last ``fit``;
        ``partial_fit`` adds one per call.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of outputs.
    out_activation_ : str
        Name of the output activation ('identity' or 'exp').

    See Also
    --------
    MLPClassifier : The classifier built on the same network.
    sklearn.neural_network.MLPRegressor : The implementation in scikit-learn.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.model_selection import train_test_split
    >>> from sknn_scratch import MLPRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=1, random_state=1)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=1)
    >>> reg = MLPRegressor(hidden_layer_sizes=(32,), solver="lbfgs", max_iter=500,
    ...                    random_state=1).fit(X_train, y_train)
    >>> reg.predict(X_test[:2]).shape
    (2,)
    >>> round(reg.score(X_test, y_test), 2) > 0.95
    True
    """

    _parameter_constraints: dict = {
        **BaseMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson", "absolute_error", "huber", "quantile"})],
        "huber_delta": [Interval(Real, 0, None, closed="neither")],
        "quantile": [None, Interval(Real, 0, 1, closed="neither")],
        "clip_predictions": ["boolean"],
        "standardize_target": ["boolean"],
    }
    _y_numeric = True
    # The recipe trains on standardised targets, as RealMLP does: the
    # step sizes and the init assume outputs of unit scale, whatever
    # the units of y.
    _TABULAR = {**BaseMLP._TABULAR, "standardize_target": True}

    # ``loss`` first (scikit-learn's order), the shared parameters, and the
    # regressor's own keyword-only ones.
    def __init__(
        self,
        loss="squared_error",
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
        tol=0.0001,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-08,
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
        huber_delta=1.0,
        quantile=None,
        clip_predictions=False,
        standardize_target=False,
    ):
        super().__init__(
            hidden_layer_sizes,
            activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            scoring=scoring,
            warmup_epochs=warmup_epochs,
            max_grad_norm=max_grad_norm,
            max_time=max_time,
            init=init,
            dropout=dropout,
            l1_ratio=l1_ratio,
            weight_decay=weight_decay,
            max_steps=max_steps,
            budget_rows=budget_rows,
            dropout_rows=dropout_rows,
            refit=refit,
            input_encoding=input_encoding,
            numerical_embedding=numerical_embedding,
            feature_scaling=feature_scaling,
            group_learning_rates=group_learning_rates,
            data_init=data_init,
            ensemble_size=ensemble_size,
            regularization_schedule=regularization_schedule,
            average_epochs=average_epochs,
            piecewise_linear_bins=piecewise_linear_bins,
            category_embedding=category_embedding,
            parametric_activation=parametric_activation,
            n_threads=n_threads,
        )
        self.loss = loss
        self.huber_delta = huber_delta
        self.quantile = quantile
        self.clip_predictions = clip_predictions
        self.standardize_target = standardize_target

    @classmethod
    def from_weights(cls, coefs, intercepts=None, *, activation="relu", out_activation="identity"):
        """Build a ready-to-predict regressor from explicit weights.

        Parameters
        ----------
        coefs : list of array-like
            ``coefs[i]`` has shape (units in, units out): column ``j`` holds
            the incoming weights of unit ``j`` of the next layer. Lists of
            lists work.
        intercepts : list of array-like, default=None
            ``intercepts[i]`` has shape (units out,); None means zero biases.
        activation : str, default='relu'
            Activation of the hidden layers (any of the class's
            ``activation`` options).
        out_activation : {'identity', 'exp'}, default='identity'
            Output activation; 'exp' pairs with ``loss="poisson"``.

        Returns
        -------
        estimator : MLPRegressor
            Fitted attributes set; ``hidden_layer_sizes`` matches the weights,
            so ``partial_fit`` can train it further.

        Examples
        --------
        The textbook network: inputs [2, 3], hidden node 0 with incoming
        weights [1, 1], node 1 with [-1, 1], output weights [2, -1].

        >>> from sknn_scratch import MLPRegressor
        >>> net = MLPRegressor.from_weights([[[1, -1], [1, 1]], [[2], [-1]]],
        ...                                 activation="identity")
        >>> net.hidden_activations([[2, 3]])
        [array([[5., 1.]])]
        >>> net.predict([[2, 3]])
        array([9.])
        """
        losses = {"identity": "squared_error", "exp": "poisson"}
        if out_activation not in losses:
            raise ValueError(
                f"out_activation must be one of {sorted(losses)}; got {out_activation!r}."
            )
        params = {"activation": activation, "loss": losses[out_activation]}
        est = cls._from_checked_weights(coefs, intercepts, params)
        est.out_activation_ = out_activation
        return est

    @available_if(_has_stochastic_solver)
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample's term in the objective.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """Predict using the multi-layer perceptron model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values.
        """
        return self._finish_prediction(self._raw_output(X))

    def _finish_prediction(self, raw):
        y_pred = OUTPUT_ACTIVATIONS[self.out_activation_](raw)
        scale = getattr(self, "target_scale_", None)
        if scale is not None:  # back from standardised units to y's
            y_pred = y_pred * scale.astype(y_pred.dtype) + self.target_mean_.astype(y_pred.dtype)
        target_range = getattr(self, "target_range_", None)
        if self.clip_predictions and target_range is not None:
            np.clip(y_pred, target_range[0], target_range[1], out=y_pred)
        return y_pred.ravel() if self.n_outputs_ == 1 else y_pred

    def _encode_targets(self, y, dtype, first_pass, incremental, classes):
        if first_pass:
            self._fit_target_scaling(y)
        scaled = getattr(self, "target_scale_", None) is not None
        # Standardised in float64 (a float32 model would round y in its own
        # units first); the range is kept in y's units, for the clipping.
        Y = self._target_matrix(y, np.float64 if scaled else dtype, first_pass)
        self._record_target_range(Y, first_pass)
        return self._standardized(Y, dtype) if scaled else Y

    def _fit_target_scaling(self, y):
        """``standardize_target``: the mean and standard deviation of each
        output, from the first call's targets (None when off). A constant
        output keeps its scale (1), so that its standardised value is 0."""
        self.target_mean_ = self.target_scale_ = None
        if not self.standardize_target:
            return
        if self.loss == "poisson":
            raise ValueError(
                "standardize_target=True cannot go with loss='poisson': the Poisson "
                "deviance models y >= 0 through a log link, and a standardised y is "
                "negative. Set standardize_target=False (the log link already adapts "
                "to y's scale)."
            )
        Y = np.asarray(y, dtype=np.float64)
        Y = Y.reshape(len(Y), -1)
        mean, scale = Y.mean(axis=0), Y.std(axis=0)
        if not (np.isfinite(mean).all() and np.isfinite(scale).all()):
            raise ValueError(
                "y is too large to standardise in float64 (its mean or standard "
                "deviation overflows); rescale y."
            )
        scale[scale == 0] = 1.0
        self.target_mean_, self.target_scale_ = mean, scale

    def _standardized(self, Y, dtype):
        """Targets in y's units (float64), in the network's units."""
        return ((Y - self.target_mean_) / self.target_scale_).astype(dtype, copy=False)

    def _target_matrix(self, y, dtype, first_pass):
        """y checked and as a float matrix of shape (n_samples, n_outputs)."""
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError("Some values of y are negative; loss='poisson' needs y >= 0.")
        if dtype != np.float64 and np.abs(y).max(initial=0) > np.finfo(dtype).max:
            raise ValueError(
                f"y has values up to {np.abs(y).max():.3g}, beyond the largest "
                f"{np.dtype(dtype).name} ({np.finfo(dtype).max:.3g}) in which this "
                "model computes. Scale y, or fit with float64 X."
            )
        Y = np.asarray(y, dtype=dtype)
        Y = Y.reshape(-1, 1) if Y.ndim == 1 else Y
        if not first_pass and Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {Y.shape[1]} output(s), but the model was fitted with {self.n_outputs_}."
            )
        return Y

    def _record_target_range(self, Y, first_pass):
        """The range of every target seen since the weights were initialised."""
        low, high = Y.min(axis=0), Y.max(axis=0)
        if not first_pass and getattr(self, "target_range_", None) is not None:
            low = np.minimum(low, self.target_range_[0])
            high = np.maximum(high, self.target_range_[1])
        self.target_range_ = (low, high)

    def _output_problems(self):
        try:
            expected = self._out_activation()
        except ValueError as error:  # loss="quantile" without its quantile
            return [str(error)]
        if getattr(self, "out_activation_", None) != expected:
            return [
                f"out_activation_={getattr(self, 'out_activation_', None)!r}, but a "
                f"regressor with loss={self.loss!r} has {expected!r}"
            ]
        if hasattr(self, "classes_"):
            return ["a regressor has no classes_ (is this a classifier's state?)"]
        return []

    def _model_params(self):
        params = {
            **super()._model_params(),
            "loss": self.loss,
            "standardize_target": bool(self.standardize_target),
        }
        if self.loss == "quantile":
            params["quantile"] = self.quantile  # which quantile the outputs estimate
        return params

    def _loss(self):
        if self.loss == "huber":
            return PARAMETRIC_LOSSES["huber"](self.huber_delta)
        if self.loss == "quantile":
            if self.quantile is None:
                raise ValueError(
                    "loss='quantile' needs the quantile to estimate: set quantile to a "
                    "number in (0, 1), e.g. quantile=0.5 for the median."
                )
            return PARAMETRIC_LOSSES["quantile"](self.quantile)
        return LOSSES[self.loss]

    def _out_activation(self):
        return self._loss().out_activation

    def _encode_validation_targets(self, y_val, dtype):
        # Not recorded in target_range_: clip_predictions clips to the
        # training targets' range only.
        if getattr(self, "target_scale_", None) is None:
            return self._target_matrix(y_val, dtype, first_pass=False)
        return self._standardized(self._target_matrix(y_val, np.float64, False), dtype)

    def _default_score(self, raw, y, sample_weight):
        y_pred = self._finish_prediction(raw)
        if not np.isfinite(y_pred).all():
            return np.nan
        return r2_score(y, y_pred, sample_weight=sample_weight)

    def _responses_from_raw(self):
        return {"predict": self._finish_prediction}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
