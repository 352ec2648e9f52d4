"""Creates an Optuna study the way Optuna users do (enqueue + ask/tell), with one COMPLETE, one
PRUNED and one FAIL trial over float, log-float, log-int, stepped float and categorical params,
with intermediate values (one NaN) and user attrs. `python3 create_study.py STORAGE_URL NAME`."""
import sys
import warnings

warnings.simplefilter("ignore")
try:
    import optuna
    from optuna.trial import TrialState
except ImportError as error:  # the test skips on exit code 77
    print(f"cannot import optuna: {error}", file=sys.stderr)
    sys.exit(77)

TRIALS = [
    ({"lr": 0.001, "width": 64, "act": "relu", "dropout": 0.25}, TrialState.COMPLETE, 0.5,
     [0.9, 0.7]),
    ({"lr": 0.01, "width": 16, "act": None, "dropout": 0.0}, TrialState.PRUNED, None,
     [1.2, float("nan"), 1.1]),
    ({"lr": 0.0001, "width": 128, "act": 3, "dropout": 0.5}, TrialState.FAIL, None, []),
]


def main():
    url, name = sys.argv[1], sys.argv[2]
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(study_name=name, storage=url, direction="minimize")
    for params, state, value, steps in TRIALS:
        study.enqueue_trial(params)
        trial = study.ask()
        trial.suggest_float("lr", 1e-5, 1e-1, log=True)
        trial.suggest_int("width", 8, 256, log=True)
        trial.suggest_categorical("act", ["relu", "tanh", None, 3])
        trial.suggest_float("dropout", 0.0, 0.5, step=0.25)
        for step, v in enumerate(steps):
            trial.report(v, step)
        trial.set_user_attr("origin", {"tool": "optuna", "version": optuna.__version__})
        if state == TrialState.COMPLETE:
            study.tell(trial, value)
        else:
            study.tell(trial, state=state)
    print("created", len(study.trials))


if __name__ == "__main__":
    try:
        main()
    except ModuleNotFoundError as error:  # e.g. psycopg2 for a PostgreSQL URL
        print(f"missing Python module: {error}", file=sys.stderr)
        sys.exit(77)
