"""MLPClassifier: logistic or softmax output, log-loss in logit space."""

from numbers import Real

import numpy as np
from scipy.special import log_expit, logsumexp
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)

from ._activations import OUTPUT_ACTIVATIONS
from ._base import BaseMLP, _has_stochastic_solver
from ._compat import Interval, StrOptions, _check_sample_weight, with_unique
from ._settings import TABULAR


class MLPClassifier(ClassifierMixin, BaseMLP):
    """Multi-layer perceptron classifier, written from scratch in NumPy.

    A drop-in replacement for :class:`sklearn.neural_network.MLPClassifier`
    with the same parameters and fitted attributes, plus the textbook solver
    ``"gd"``, and one objective shared by every solver. Handles binary,
    multiclass and multilabel targets with labels of any type.

    **Forward propagation.** Each layer computes ``A_{l+1} = f(A_l @ W_l + b_l)``
    with ``A_0 = X``; ``f`` is ``activation`` for hidden layers, and for the
    output the logistic function (binary and multilabel targets, one unit per
    label) or the softmax (multiclass, one unit per class).

    **Objective.** With sample weights ``s_i`` (all 1 by default) and
    ``S = sum_i s_i``, every solver minimises

    .. math::

        J = \\frac{1}{S} \\Big( \\sum_i s_i \\, \\ell_i
            + \\frac{\\alpha}{2} \\sum_l \\lVert W_l \\rVert_F^2 \\Big)

    where ``l_i`` is the log-loss of sample ``i``, computed from the raw
    outputs (logits) ``z``: ``logsumexp(z_i) - z_i[true class]`` for softmax,
    ``sum_k log(1 + exp(z_ik)) - y_ik z_ik`` for logistic outputs. Working in
    logit space keeps it finite without clipping probabilities. ``alpha``
    means the same penalty for every solver (see :class:`MLPRegressor`).

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of units of the ith hidden layer. An
        empty tuple gives (multinomial) logistic regression.
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
        Whether ``fit`` continues from the current weights (the classes must
        not change).
    momentum : float, default=0.9
        Momentum of 'sgd' and 'gd', in [0, 1].
    nesterovs_momentum : bool, default=True
        Whether 'sgd' and 'gd' use Nesterov's momentum.
    early_stopping : bool, default=False
        Whether to stop when the validation score (``scoring``, accuracy by
        default) stops improving, and restore the best epoch's weights. The
        validation data are ``X_val, y_val`` given to ``fit``, or else a
        stratified ``validation_fraction`` of the training data. Stochastic
        solvers only.
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
        better: None for accuracy (scikit-learn's behaviour), ``"loss"`` for
        minus the validation objective, or any scikit-learn scorer name
        (``"roc_auc"``, ``"f1_macro"``, ``"neg_log_loss"``, ...) or callable
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
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, as in scikit-learn's linear models: each
        sample's term in the objective is multiplied by its class's weight
        (and by its ``sample_weight``). 'balanced' uses
        ``n_samples / (n_classes * np.bincount(y))`` of the training data (not
        with ``partial_fit``); a dict maps classes to weights (others: 1).
        Validation data are weighted the same way, with the weights of the
        training data (every class has one, even one absent from ``y_val``).
        Not for multilabel targets.
    label_smoothing : float, default=0.0
        Label smoothing ``eps`` in [0, 1): the targets become
        ``y * (1 - eps) + eps / K``, with K the number of classes for softmax
        outputs and 2 for each logistic output, which keeps the network from
        pushing its probabilities to 0 and 1. It bounds the optimum of each
        sample's term, not the predictions: fitted probabilities can pass
        ``1 - eps + eps / K`` on some rows.

    Attributes
    ----------
    classes_ : ndarray or list of ndarray
        The class labels (for multilabel targets, the label indices).
    loss_ : float
        The objective ``J`` at the end of training.
    best_loss_ : float
        The lowest ``J`` reached (None while early stopping is used).
    loss_curve_ : list of float
        ``J`` after each epoch or L-BFGS iteration, for every solver.
    history_ : list of dict
        One entry per entry of ``loss_curve_`` (every epoch or L-BFGS
        iteration since the weights were initialised), holding every
        quantity recorded for it: ``epoch``, ``loss``, ``seconds`` (the
        epoch's training time), and where they apply ``learning_rate``
        (the rate the epoch trained with), ``validation_loss`` and
        ``validation_score``. ``pandas.DataFrame(est.history_)`` makes a
        table of it.
    validation_scores_ : list of float or None
        The ``scoring`` score (accuracy by default) of the validation data
        after each epoch, when there are validation data (given to ``fit``,
        or held out by early stopping); None otherwise.
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
        Number of output units.
    out_activation_ : str
        Name of the output activation ('logistic' or 'softmax').

    See Also
    --------
    MLPRegressor : The regressor built on the same network.
    sklearn.neural_network.MLPClassifier : The implementation in scikit-learn.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.model_selection import train_test_split
    >>> from sknn_scratch import MLPClassifier
    >>> X, y = make_classification(n_samples=200, random_state=1)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y,
    ...                                                     random_state=1)
    >>> clf = MLPClassifier(max_iter=300, random_state=1).fit(X_train, y_train)
    >>> clf.predict_proba(X_test[:1]).shape
    (1, 2)
    >>> clf.predict(X_test[:5])
    array([0, 0, 1, 1, 1])
    >>> round(clf.score(X_test, y_test), 2) > 0.8
    True
    """

    _parameter_constraints: dict = {
        **BaseMLP._parameter_constraints,
        "class_weight": [None, dict, StrOptions({"balanced"})],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
    }

    # Label smoothing also measured best for the classifiers (REALDATA.md).
    _TABULAR = {**TABULAR, "label_smoothing": 0.1}

    # The shared parameters plus the classifier's own, keyword-only.
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
        class_weight=None,
        label_smoothing=0.0,
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
        self.class_weight = class_weight
        self.label_smoothing = label_smoothing

    @classmethod
    def from_weights(cls, coefs, intercepts=None, *, classes, activation="relu"):
        """Build a ready-to-predict classifier from explicit weights.

        Parameters
        ----------
        coefs : list of array-like
            ``coefs[i]`` has shape (units in, units out): column ``j`` holds
            the incoming weights of unit ``j`` of the next layer. Lists of
            lists work. The last layer has one unit for two classes (a
            logistic output giving the probability of the second class in
            sorted order) or one unit per class (a softmax output).
        intercepts : list of array-like, default=None
            ``intercepts[i]`` has shape (units out,); None means zero biases.
        classes : array-like of shape (n_classes,)
            The class labels. They are sorted, as in ``classes_``, and output
            unit ``k`` scores ``classes_[k]``.
        activation : str, default='relu'
            Activation of the hidden layers (any of the class's
            ``activation`` options).

        Returns
        -------
        estimator : MLPClassifier
            Fitted attributes set; ``hidden_layer_sizes`` matches the weights,
            so ``partial_fit`` can train it further.

        Examples
        --------
        >>> from sknn_scratch import MLPClassifier
        >>> clf = MLPClassifier.from_weights([[[1, -1], [1, 1]], [[2], [-1]]],
        ...                                  classes=["no", "yes"])
        >>> clf.predict([[2, 3], [-2, -3]])
        array(['yes', 'no'], dtype='<U3')
        """
        est = cls._from_checked_weights(coefs, intercepts, {"activation": activation})
        binarizer = LabelBinarizer().fit(np.asarray(classes))
        n_classes = len(binarizer.classes_)
        expected_units = 1 if n_classes == 2 else n_classes
        if n_classes < 2 or est.n_outputs_ != expected_units:
            raise ValueError(
                f"The last layer has {est.n_outputs_} unit(s), but {n_classes} "
                f"classes need {expected_units} (one for two classes, else one "
                "per class)."
            )
        est._label_binarizer = binarizer
        est.classes_ = binarizer.classes_
        est.out_activation_ = est._out_activation()
        return est

    @available_if(_has_stochastic_solver)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            The target labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample's term in the objective.
        classes : array-like of shape (n_classes,), default=None
            Every class that will ever appear; required on the first call
            (unless y is a multilabel indicator matrix), optional afterwards.

        Returns
        -------
        self : object
            The updated estimator.
        """
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: the class "
                "frequencies of the whole data are unknown. Compute them once and "
                "pass class_weight as a dict {class: weight}."
            )
        return self._fit(X, y, sample_weight, incremental=True, classes=_as_classes(classes))

    def predict(self, X):
        """Predict the class labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The predicted labels (an indicator matrix for multilabel targets).
        """
        return self._labels_from_raw(self._raw_output(X))

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y_prob : ndarray of shape (n_samples, n_classes)
            The probability of each class, in the order of ``classes_``.
        """
        return self._proba_from_raw(self._raw_output(X))

    def predict_log_proba(self, X):
        """Logarithm of the probability estimates, computed from the logits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_y_prob : ndarray of shape (n_samples, n_classes)
            ``log(predict_proba(X))``, without underflow to ``-inf``.
        """
        return self._log_proba_from_raw(self._raw_output(X))

    def _proba_from_raw(self, raw):
        probabilities = OUTPUT_ACTIVATIONS[self.out_activation_](raw)
        if self.n_outputs_ == 1:
            return np.hstack([1 - probabilities, probabilities])
        return probabilities

    def _log_proba_from_raw(self, raw):
        if self.out_activation_ == "softmax":
            return raw - logsumexp(raw, axis=1, keepdims=True)
        if self.n_outputs_ == 1:
            return np.hstack([log_expit(-raw), log_expit(raw)])
        return log_expit(raw)

    def _labels_from_raw(self, raw):
        probabilities = OUTPUT_ACTIVATIONS[self.out_activation_](raw)
        if self.n_outputs_ == 1:
            probabilities = probabilities.ravel()
        return self._label_binarizer.inverse_transform(probabilities)

    def _encode_targets(self, y, dtype, first_pass, incremental, classes):
        # One sort of the labels for every check below: scikit-learn's checks
        # read a view that carries np.unique's result (four sorts of AER
        # Fertility's 170,000 text labels took 0.15 s; one takes 0.04 s).
        # The view stays here: its cache would go stale if the array changed.
        try:
            y = with_unique(y)
        except TypeError:  # (NumPy's words: "'<' not supported between ...")
            kinds = sorted({type(label).__name__ for label in np.asarray(y, dtype=object).flat})
            raise ValueError(
                f"y mixes labels that cannot be sorted together ({', '.join(kinds)}): give "
                "labels of one kind, all text or all numbers, with no missing values."
            ) from None
        check_classification_targets(y)
        if first_pass:
            self._label_binarizer = self._new_binarizer(y, incremental, classes)
            self.classes_ = self._label_binarizer.classes_
        else:
            self._check_target_type(y)
            self._check_known_classes(y, incremental, classes)
        return self._smoothed(_binarized(self._label_binarizer, y, dtype))

    def _smoothed(self, Y):
        """Label smoothing: ``Y (1 - eps) + eps / K``, K the classes of one
        output (all classes for softmax, 2 for each logistic output).

        The soft targets keep the canonical delta ``p - y`` and the log-losses
        as written (``logsumexp(z) - y . z`` is the cross-entropy of any y
        summing to 1), so nothing else changes.
        """
        epsilon = self.label_smoothing
        if not epsilon:
            return Y
        k = Y.shape[1] if self._label_binarizer.y_type_ == "multiclass" else 2
        return Y * (1 - epsilon) + epsilon / k

    def _target_weights(self, y, sample_weight, X, incremental, y_train=None):
        """``sample_weight`` times the weight of each sample's class.

        For validation data, ``y_train`` is the training target: 'balanced'
        weights come from the training frequencies, as documented, so that
        every class has its weight even when ``y`` lacks some.
        """
        if self.class_weight is None:
            return sample_weight
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            raise ValueError("class_weight is not supported for multilabel targets.")
        frequencies_of = y if y_train is None else y_train
        per_class = compute_class_weight(self.class_weight, classes=self.classes_, y=frequencies_of)
        weights = per_class[np.searchsorted(self.classes_, y)]
        if sample_weight is None:
            return weights
        return weights * _check_sample_weight(sample_weight, X, dtype=np.float64)

    def _new_binarizer(self, y, incremental, classes):
        multilabel = type_of_target(y) == "multilabel-indicator"
        if incremental and classes is None and not multilabel:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if multilabel:
            binarizer = LabelBinarizer().fit(y)
            _check_multilabel_classes(classes, binarizer.classes_)
        else:
            binarizer = LabelBinarizer().fit(y if classes is None else classes)
            if classes is not None:  # (else the classes are y's own)
                _check_labels_in_classes(y, binarizer.classes_)
        if not multilabel and len(binarizer.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in "
                f"the data, but the data contains only one class: "
                f"{_plain(binarizer.classes_[0])!r}."
            )
        return binarizer

    def _check_target_type(self, y, validation=False):
        """Multilabel and single-label targets cannot take turns."""
        fitted_multilabel = self._label_binarizer.y_type_ == "multilabel-indicator"
        if (type_of_target(y) == "multilabel-indicator") != fitted_multilabel:
            before = "a multilabel indicator matrix" if fitted_multilabel else "1-D class labels"
            now = "1-D class labels" if fitted_multilabel else "a multilabel indicator matrix"
            if validation:
                raise ValueError(
                    f"y_val is {now}, but the model is trained on {before}: "
                    "validation targets must be of the same kind as the training targets."
                )
            raise ValueError(
                f"The model was fitted with {before} as y, and this y is {now}. "
                "Continuing training needs targets of the same kind; call fit "
                "(with warm_start=False) to train on the other kind."
            )
        if fitted_multilabel and y.shape[1] != len(self.classes_):
            raise ValueError(
                f"y has {y.shape[1]} label columns, but the model was fitted with "
                f"{len(self.classes_)}."
            )

    def _check_known_classes(self, y, incremental, classes):
        if classes is not None and not np.array_equal(
            np.unique(classes), np.asarray(self.classes_)
        ):
            raise ValueError(
                f"classes={classes!r} differs from the classes of the first call, "
                f"{self.classes_!r}."
            )
        labels = unique_labels(y)
        if self.warm_start and not incremental:
            if set(labels) != set(self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as "
                    f"in the previous call to fit. Previously got {self.classes_}, "
                    f"`y` has {labels}"
                )
        else:
            _check_labels_in_classes(y, self.classes_)

    def _loss_name(self):
        if self.out_activation_ == "softmax":
            return "log_loss"
        return "binary_log_loss"

    def _out_activation(self):
        if self._label_binarizer.y_type_ == "multiclass":
            return "softmax"
        return "logistic"

    def _output_problems(self):
        binarizer = getattr(self, "_label_binarizer", None)
        if not isinstance(binarizer, LabelBinarizer) or not hasattr(binarizer, "y_type_"):
            return ["a fitted classifier needs its fitted label binarizer"]
        classes = np.asarray(getattr(self, "classes_", []))
        if not np.array_equal(classes, binarizer.classes_):
            return ["classes_ differ from the label binarizer's classes"]
        multiclass = binarizer.y_type_ == "multiclass"
        units = 1 if binarizer.y_type_ == "binary" else len(classes)
        expected = "softmax" if multiclass else "logistic"
        problems = []
        if getattr(self, "out_activation_", None) != expected:
            problems.append(
                f"out_activation_={getattr(self, 'out_activation_', None)!r}, but "
                f"{binarizer.y_type_} targets need {expected!r}"
            )
        if self.n_outputs_ != units:
            problems.append(
                f"{len(classes)} classes need {units} output units, not {self.n_outputs_}"
            )
        return problems

    def _validation_strata(self, Y):
        # Each row's class as its column of Y (the true class keeps the
        # largest value under label smoothing). The columns follow the
        # sorted classes, so the split is the one the labels would give,
        # without sorting them again: text labels sort slowly (AER
        # Fertility's 170,000: 0.04 s a fit).
        if self.n_outputs_ == 1:
            return (Y[:, 0] > 0.5).astype(np.intp)
        if self.out_activation_ == "softmax":
            return Y.argmax(axis=1)
        return None  # (multilabel: not stratified)

    def _encode_validation_targets(self, y_val, dtype):
        check_classification_targets(y_val)
        self._check_target_type(y_val, validation=True)
        _check_labels_in_classes(y_val, self.classes_)
        return self._smoothed(self._label_binarizer.transform(y_val).astype(dtype))

    def _default_score(self, raw, y, sample_weight):
        # accuracy_score's value, without its checks of the labels: it sorts
        # them (np.unique) at every epoch, slow for text labels of many rows.
        correct = np.asarray(y) == self._labels_from_raw(raw)
        if correct.ndim == 2:  # multilabel: a row counts if every label is right
            correct = correct.all(axis=1)
        return float(np.average(correct, weights=sample_weight))

    def _responses_from_raw(self):
        return {
            "predict": self._labels_from_raw,
            "predict_proba": self._proba_from_raw,
            "predict_log_proba": self._log_proba_from_raw,
        }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


def _as_classes(classes):
    """``classes`` of ``partial_fit`` as a 1-D NumPy array, from any
    array-like: a list, a Series, or a lazy array of unknown length (a Dask
    array's ``unique()``, as dask-ml's ``Incremental`` passes it), which
    ``np.asarray`` computes."""
    if classes is None:
        return None
    values = np.asarray(classes)
    if values.ndim != 1:
        raise ValueError(
            f"classes must be a 1-D array-like of class labels; got {values.ndim} dimensions."
        )
    return values


def _binarized(binarizer, y, dtype):
    """``binarizer.transform(y)`` in ``dtype``, for labels all among its
    classes (the callers check them first).

    One-dimensional binary and multiclass labels are placed by a binary
    search among the sorted classes: for a table's text labels that is a
    tenth of ``transform``'s time, which inspects the labels again (0.14 s
    on AER Fertility's 170,000 ``"yes"``/``"no"``); the columns are
    ``transform``'s (one column, the second class, for two classes).
    """
    classes = binarizer.classes_
    if binarizer.y_type_ not in ("binary", "multiclass") or np.ndim(y) != 1 or len(classes) < 2:
        return binarizer.transform(y).astype(dtype)
    codes = np.searchsorted(classes, y)
    if binarizer.y_type_ == "binary":
        return (codes == 1).astype(dtype)[:, None]
    Y = np.zeros((len(codes), len(classes)), dtype=dtype)
    Y[np.arange(len(codes)), codes] = 1
    return Y


def _check_labels_in_classes(y, classes):
    unknown = np.setdiff1d(unique_labels(y), classes)
    if unknown.size:
        raise ValueError(
            f"y has labels that are not among the classes {list(map(_plain, classes))}: "
            f"{list(map(_plain, unknown))}."
        )


def _check_multilabel_classes(classes, label_indices):
    """For an indicator matrix, ``classes`` can only be its column indices."""
    if classes is not None and not np.array_equal(np.unique(classes), label_indices):
        raise ValueError(
            f"y is a multilabel indicator matrix with {len(label_indices)} columns, "
            f"so classes must be their indices {list(map(_plain, label_indices))} "
            f"(or None); got {classes!r}."
        )


def _plain(label):
    """A NumPy scalar label as the Python value it holds, for messages."""
    return label.item() if isinstance(label, np.generic) else label
