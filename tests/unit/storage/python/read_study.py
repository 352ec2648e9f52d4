"""Prints an Optuna study as Optuna itself reads it: one JSON header line, then one JSON line per
trial. Used by aelab's interop tests: `python3 read_study.py STORAGE_URL STUDY_NAME`."""
import json
import math
import sys
import warnings

warnings.simplefilter("ignore")
try:
    import optuna
    from optuna.distributions import distribution_to_json
except ImportError as error:  # the test skips on exit code 77
    print(f"cannot import optuna: {error}", file=sys.stderr)
    sys.exit(77)


def number(value):
    # JSON has no NaN or infinities; spell them the way Python's repr() does.
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return value


def main():
    url, name = sys.argv[1], sys.argv[2]
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.load_study(study_name=name, storage=url)
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    header = {"direction": study.direction.name, "n_trials": len(study.trials)}
    if complete:
        header["best_number"] = study.best_trial.number
        header["best_value"] = number(study.best_value)
    print(json.dumps(header, sort_keys=True))
    for t in study.trials:
        print(json.dumps({
            "number": t.number,
            "state": t.state.name,
            "value": number(t.value),
            "params": t.params,
            "distributions": {k: json.loads(distribution_to_json(d))
                              for k, d in t.distributions.items()},
            "intermediate": {str(k): number(v) for k, v in t.intermediate_values.items()},
            "user_attrs": t.user_attrs,
            "system_attrs": t.system_attrs,
            "has_start": t.datetime_start is not None,
            "has_complete": t.datetime_complete is not None,
        }, sort_keys=True))


if __name__ == "__main__":
    try:
        main()
    except ModuleNotFoundError as error:  # e.g. psycopg2 for a PostgreSQL URL
        print(f"missing Python module: {error}", file=sys.stderr)
        sys.exit(77)
