"""API conformance: scikit-learn's own estimator checks, none expected to fail."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sknn_scratch import MLPClassifier, MLPRegressor


# Default hyper-parameters throughout, except a fixed seed and enough epochs
# for the small data sets the checks use (check_classifiers_train and
# check_regressors_train ask for a minimum score).
@parametrize_with_checks(
    [
        MLPRegressor(random_state=0),
        MLPClassifier(random_state=0),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
