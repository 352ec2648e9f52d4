#!/usr/bin/python3
"""Optuna + PyTorch peer of `aelab tune configs/studies/fmnist_cae_tpe.toml --jobs N`.

The same study as aelab's shipped Fashion-MNIST TPE study, written the way Optuna's docs show it:
an objective that trains the model and reports the validation loss every epoch, a TPESampler
(n_startup_trials=8, seed 42), a MedianPruner (n_startup_trials=4, n_warmup_steps=3), and
study.optimize(objective, n_trials=..., n_jobs=...) (threads in one process, Optuna's way to run
trials in parallel; the in-memory storage its examples use). The search space, the model
(bench/train/torch_peer.py's fashion_mnist_cae), batch 256, the validation split (10 % of the
drawn training subset), the eval batch of 1000 and the final test pass on the best epoch's
weights are aelab's. Prints one JSON line.

  optuna_peer.py N_TRIALS N_JOBS THREADS EPOCHS TRAIN_SUBSET TEST_SUBSET [DATA_DIR]
THREADS: torch.set_num_threads (0 = leave PyTorch's default, all cores).
"""
import copy
import gzip
import json
import os
import sys
import time

import numpy as np
import optuna
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "train"))
from torch_peer import Autoencoder, fashion_mnist_cae  # noqa: E402


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    n, h, w = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, 1, h, w)


def main():
    n_trials, n_jobs, threads, epochs, train_subset, test_subset = map(int, sys.argv[1:7])
    data_dir = sys.argv[7] if len(sys.argv) > 7 else "/usr/share/datasets/fashion-mnist"
    start = time.perf_counter()
    if threads > 0:
        torch.set_num_threads(threads)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rng = np.random.default_rng(0)
    train_all = read_idx_images(os.path.join(data_dir, "train-images-idx3-ubyte.gz"))
    test_all = read_idx_images(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz"))
    drawn = train_all[rng.permutation(len(train_all))[:train_subset]]
    n_val = round(0.1 * len(drawn))
    val = torch.from_numpy(drawn[:n_val].copy())
    train = torch.from_numpy(drawn[n_val:].copy())
    test = torch.from_numpy(test_all[rng.permutation(len(test_all))[:test_subset]].copy())
    loss_fn = nn.MSELoss(reduction="sum")

    def evaluate(model, images):
        model.eval()
        total = 0.0
        with torch.no_grad():
            for b in range(0, len(images), 1000):
                x = images[b:b + 1000].float().div_(255.0)
                total += loss_fn(model(x), x).item()
        model.train()
        return total / (len(images) * images[0].numel())

    def objective(trial):
        latent = trial.suggest_int("params.latent", 4, 32, step=2)
        n = trial.suggest_categorical("params.n", [4, 8, 16])
        name = trial.suggest_categorical("train.optimizer", ["adam", "adamw", "sgd", "rmsprop"])
        lr = trial.suggest_float("train.lr", 1e-4, 3e-2, log=True)
        wd = trial.suggest_float("train.weight_decay", 1e-6, 1e-3, log=True)
        torch.manual_seed(0)
        model = Autoencoder(fashion_mnist_cae(n=n, latent=latent))
        params = model.parameters()
        if name == "adam":
            optimizer = torch.optim.Adam(params, lr=lr, weight_decay=wd)
        elif name == "adamw":
            optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=wd)
        elif name == "rmsprop":
            optimizer = torch.optim.RMSprop(params, lr=lr, weight_decay=wd)
        else:
            momentum = trial.suggest_float("train.momentum", 0.5, 0.99)
            optimizer = torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=wd)
        mse = nn.MSELoss()
        best, best_state = float("inf"), None
        for epoch in range(1, epochs + 1):
            perm = torch.randperm(len(train))
            for b in range(0, len(train), 256):
                x = train.index_select(0, perm[b:b + 256]).float().div_(255.0)
                optimizer.zero_grad(set_to_none=True)
                loss = mse(model(x), x)
                loss.backward()
                optimizer.step()
            value = evaluate(model, val)
            if value < best:
                best, best_state = value, copy.deepcopy(model.state_dict())
            trial.report(value, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()
        model.load_state_dict(best_state)
        trial.set_user_attr("test_loss", evaluate(model, test))
        return best

    study = optuna.create_study(
        direction="minimize",
        sampler=optuna.samplers.TPESampler(n_startup_trials=8, seed=42),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=3))
    study.optimize(objective, n_trials=n_trials, n_jobs=n_jobs)
    states = [t.state.name for t in study.trials]
    print(json.dumps({"n_trials": len(study.trials), "complete": states.count("COMPLETE"),
                      "pruned": states.count("PRUNED"), "failed": states.count("FAIL"),
                      "threads": torch.get_num_threads(), "n_jobs": n_jobs,
                      "best": study.best_value, "seconds_inside": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
