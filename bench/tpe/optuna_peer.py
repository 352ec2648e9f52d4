#!/usr/bin/python3
"""Optuna's TPESampler on the same problems and histories as bench_tpe (Debian python3-optuna).

  optuna_peer.py timing <problem> <n_finished> <repeats>
  optuna_peer.py quality <problem> <n_trials> <seeds>
  optuna_peer.py suggest <problem> <n_finished> <seeds>

Prints the same lines as bench_tpe. Functions and histories mirror bench/tpe/functions.h.
"""
import math
import statistics
import sys
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


def branin(x):
    pi = math.pi
    b, c, t = 5.1 / (4 * pi * pi), 5 / pi, 1 / (8 * pi)
    return (x[1] - b * x[0] ** 2 + c * x[0] - 6) ** 2 + 10 * (1 - t) * math.cos(x[0]) + 10


ALPHA = [1.0, 1.2, 3.0, 3.2]
A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8],
     [17, 8, 0.05, 10, 0.1, 14]]
P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
     [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
     [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
     [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]


def hartmann6(x):
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(6)))
                for i in range(4))


def rosenbrock4(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(3))


PROBLEMS = {
    "branin": ([-5, 0], [10, 15], branin),
    "hartmann6": ([0.0] * 6, [1.0] * 6, hartmann6),
    "rosenbrock4": ([-5.0] * 4, [10.0] * 4, rosenbrock4),
}


def history_point(low, high, i):
    return [low[d] + math.fmod((i + 1) * 0.6180339887498949 * (d + 1) + 0.1 * d, 1.0)
            * (high[d] - low[d]) for d in range(len(low))]


def distributions(low, high):
    return {f"x{d}": optuna.distributions.FloatDistribution(low[d], high[d])
            for d in range(len(low))}


def timing(name, n, repeats):
    low, high, f = PROBLEMS[name]
    dists = distributions(low, high)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    trials = []
    for i in range(n):
        x = history_point(low, high, i)
        trials.append(optuna.trial.create_trial(
            params={f"x{d}": x[d] for d in range(len(x))}, distributions=dists, value=f(x)))
    study.add_trials(trials)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        trial = study.ask(dists)  # samples every parameter through the TPE sampler
        times.append((time.perf_counter() - start) * 1000.0)
        study.tell(trial, state=optuna.trial.TrialState.FAIL)  # keep the history unchanged
    print(f"timing optuna {name} {n} {statistics.median(times):.4f}")


def quality(name, n_trials, seeds):
    low, high, f = PROBLEMS[name]

    def objective(trial):
        return f([trial.suggest_float(f"x{d}", low[d], high[d]) for d in range(len(low))])

    for seed in range(seeds):
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
        study.optimize(objective, n_trials=n_trials)
        values = [t.value for t in study.trials]
        marks = [min(values[:k]) for k in (20, 50, 100) if k <= n_trials]
        print(f"quality optuna {name} {seed} " + " ".join(f"{v:.6g}" for v in marks))


def suggest(name, n, seeds):
    """The first TPE suggestion after the same n finished trials, once per sampler seed."""
    low, high, f = PROBLEMS[name]
    dists = distributions(low, high)
    trials = []
    for i in range(n):
        x = history_point(low, high, i)
        trials.append(optuna.trial.create_trial(
            params={f"x{d}": x[d] for d in range(len(x))}, distributions=dists, value=f(x)))
    for seed in range(seeds):
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
        study.add_trials(trials)
        trial = study.ask(dists)
        print(f"suggest optuna {name} {seed} " +
              " ".join(f"{trial.params[f'x{d}']:.9g}" for d in range(len(low))))


if __name__ == "__main__":
    mode, problem, n, k = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    {"timing": timing, "quality": quality, "suggest": suggest}[mode](problem, n, k)
