#!/usr/bin/env python3
"""Makes N run folders from one real run folder, for the dashboard's time to first paint with a
folder of thousands of runs (bench/dashboard/run.sh). Each copy holds what the dashboard reads
(experiment.toml, metrics.csv, summary.json, model.json, train.log and the pictures; no
checkpoints or weights), under its own name, with its figures in summary.json spread around the
real ones and its files dated over the past 30 days, so that the runs table has something to
sort. Pictures are hard links: 1,000 copies take a few MB.

    copy_runs.py SEED_RUN OUT_DIR N
"""
import json
import os
import random
import shutil
import sys
import time

KEPT = ("experiment.toml", "metrics.csv", "model.json", "train.log")


def main(seed, out, n):
    rng = random.Random(0)
    summary = json.load(open(os.path.join(seed, "summary.json")))
    pictures = [f for f in os.listdir(seed) if f.endswith(".png")]
    snapshots = sorted(os.listdir(os.path.join(seed, "reconstructions"))) \
        if os.path.isdir(os.path.join(seed, "reconstructions")) else []
    now = time.time()
    for i in range(n):
        kind = ("dense", "cae", "vae", "dae")[i % 4]
        latent = (2, 4, 8, 16, 32, 64)[i % 6]
        run = os.path.join(out, f"{kind}-latent{latent}-lr{rng.choice(['1e-2', '3e-3', '1e-3', '3e-4'])}-{i:04d}")
        os.makedirs(os.path.join(run, "reconstructions"))
        for f in KEPT:
            if os.path.exists(os.path.join(seed, f)):
                shutil.copyfile(os.path.join(seed, f), os.path.join(run, f))
        for f in pictures:
            os.link(os.path.join(seed, f), os.path.join(run, f))
        for f in snapshots:
            os.link(os.path.join(seed, "reconstructions", f), os.path.join(run, "reconstructions", f))
        s = dict(summary)
        scale = rng.uniform(0.6, 1.6)
        for key in ("test_loss", "test_mse", "best_val_loss"):
            if isinstance(s.get(key), (int, float)):
                s[key] = s[key] * scale
        if isinstance(s.get("test_psnr"), (int, float)):
            s["test_psnr"] = s["test_psnr"] - 4.343 * (scale - 1)
        if isinstance(s.get("images_per_second"), (int, float)):
            s["images_per_second"] = s["images_per_second"] * rng.uniform(0.5, 1.5)
        with open(os.path.join(run, "summary.json"), "w") as f:
            json.dump(s, f, indent=1)
        stamp = now - rng.uniform(0, 30 * 86400)
        for root, _, files in os.walk(run):
            for f in files:
                if not os.path.islink(os.path.join(root, f)) and os.stat(os.path.join(root, f)).st_nlink == 1:
                    os.utime(os.path.join(root, f), (stamp, stamp))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: copy_runs.py SEED_RUN OUT_DIR N")
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
