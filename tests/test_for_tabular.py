"""The recommended configuration, ``for_tabular()``."""

import pytest
from helpers import fit_quietly

from sknn_scratch import MLPClassifier, MLPRegressor

# ---------------------------------------------- the recommended configuration


@pytest.mark.parametrize("Estimator", [MLPRegressor, MLPClassifier])
def test_for_tabular_is_an_ordinary_estimator(Estimator):
    from sklearn.base import clone

    est = Estimator.for_tabular(random_state=3, dropout=0.2)
    params = est.get_params()
    for name, value in Estimator._TABULAR.items():
        assert params[name] == (0.2 if name == "dropout" else value), name
    assert params["random_state"] == 3
    assert clone(est).get_params() == params
    assert type(est) is Estimator
    if Estimator is MLPClassifier:
        assert params["label_smoothing"] == 0.1
    # Every default it does not set stays scikit-learn's.
    default = Estimator().get_params()
    untouched = set(params) - set(Estimator._TABULAR) - {"random_state"}
    assert all(params[name] == default[name] for name in untouched)


def test_for_tabular_fits_and_predicts(rng):
    X = rng.normal(size=(300, 5))
    y = X[:, 0] * X[:, 1] + X[:, 2]
    reg = fit_quietly(MLPRegressor.for_tabular(random_state=0), X, y)
    # 270 rows train for all 60 planned epochs; the best on the 30 held out
    # is kept.
    assert reg.n_iter_ == len(reg.validation_scores_) == 60
    assert reg.best_validation_score_ == max(reg.validation_scores_)
    assert reg.score(X, y) > 0.9
    labels = (y > 0).astype(int)
    clf = fit_quietly(MLPClassifier.for_tabular(random_state=0), X, labels)
    assert clf.score(X, labels) > 0.9


def test_for_tabular_refuses_unknown_overrides():
    with pytest.raises(TypeError, match="unexpected keyword argument 'dropuot'"):
        MLPRegressor.for_tabular(dropuot=0.3)
