#!/usr/bin/env python3
"""Writes a study of N synthetic trials into a new SQLite database in Optuna's schema, copied
from a database `aelab tune` made (its schema, study, direction and distributions), for the
dashboard's "a 10,000-trial study still loads" test. Trials are drawn from the distributions
(a parameter missing from some template trials, a conditional one, is left out of half), with
a made-up objective, 10 intermediate values each, and the states of a pruned search: 70 %
complete, 25 % pruned (their curves cut short), 5 % failed. Plain SQL, so it takes a second,
where creating 10,000 trials through Optuna takes minutes.

    big_study.py TEMPLATE.db OUT.db NAME N
"""
import json
import math
import random
import shutil
import sqlite3
import sys


def main(template, out, name, n):
    shutil.copyfile(template, out)
    db = sqlite3.connect(out)
    (study_id,) = db.execute("SELECT study_id FROM studies").fetchone()
    db.execute("UPDATE studies SET study_name = ? WHERE study_id = ?", (name, study_id))
    templates = db.execute("SELECT COUNT(*) FROM trials").fetchone()[0]
    dists, seen = {}, {}
    for param, dist in db.execute("SELECT param_name, distribution_json FROM trial_params"):
        dists[param] = json.loads(dist)
        seen[param] = seen.get(param, 0) + 1
    for table in ("trial_params", "trial_values", "trial_intermediate_values", "trial_user_attributes",
                  "trial_system_attributes", "trial_heartbeats", "trials"):
        db.execute(f"DELETE FROM {table}")

    rng = random.Random(0)

    def draw(dist):
        a = dist["attributes"]
        if dist["name"] == "CategoricalDistribution":
            return float(rng.randrange(len(a["choices"]))), rng.random()
        lo, hi = a["low"], a["high"]
        if a.get("log"):
            v = math.exp(rng.uniform(math.log(lo), math.log(hi)))
            return v, (math.log(v) - math.log(lo)) / (math.log(hi) - math.log(lo))
        step = a.get("step") or 0
        v = rng.uniform(lo, hi)
        if dist["name"] == "IntDistribution":
            v = float(lo + round((v - lo) / (step or 1)) * (step or 1))
        return v, (v - lo) / ((hi - lo) or 1)

    t0 = 1.7e9
    for number in range(n):
        trial_id = number + 1
        r = rng.random()
        state = "COMPLETE" if r < 0.70 else "PRUNED" if r < 0.95 else "FAIL"
        start = t0 + 60 * number
        db.execute("INSERT INTO trials VALUES (?, ?, ?, ?, datetime(?, 'unixepoch'), datetime(?, 'unixepoch'))",
                   (trial_id, number, study_id, state, start, start + 30 + 30 * rng.random()))
        score = 0.0
        for param, dist in dists.items():
            if seen[param] < templates and rng.random() < 0.5:
                continue
            value, unit = draw(dist)
            score += (unit - 0.4) ** 2
            db.execute("INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) "
                       "VALUES (?, ?, ?, ?)", (trial_id, param, value, json.dumps(dist)))
        final = 0.02 + 0.05 * score + 0.01 * rng.random()
        steps = 10 if state == "COMPLETE" else rng.randint(1, 6) if state == "PRUNED" else 0
        for step in range(1, steps + 1):
            db.execute("INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, "
                       "intermediate_value_type) VALUES (?, ?, ?, 'FINITE')",
                       (trial_id, step, final * (1 + 2.0 / step)))
        if state == "COMPLETE":
            db.execute("INSERT INTO trial_values (trial_id, objective, value, value_type) "
                       "VALUES (?, 0, ?, 'FINITE')", (trial_id, final))
    db.commit()


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit("usage: big_study.py TEMPLATE.db OUT.db NAME N")
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
