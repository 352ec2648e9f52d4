#!/usr/bin/env python3
"""scikit-learn peer of bench_tsne: Barnes-Hut t-SNE on the same input with the same settings.

usage: sklearn_peer.py WORK [THREADS]
Reads WORK/input.bin (written by `bench_tsne prepare`), writes WORK/sklearn_embedding.bin and
WORK/sklearn.json (seconds of fit_transform, KL reported, iterations, learning rate used).
Settings mirror aelab's defaults: perplexity 30, 1000 iterations, early exaggeration 12,
learning_rate="auto" (max(n / 12 / 4, 50)), init="pca", angle (theta) 0.5.
"""
import json
import os
import sys
import time

import numpy as np

MAGIC = b"AEMAT001"


def read_matrix(path):
    with open(path, "rb") as f:
        header = f.read(24)
        if header[:8] != MAGIC:
            sys.exit(f"{path}: not an AEMAT001 matrix file")
        rows, cols = np.frombuffer(header[8:], dtype="<i8")
        data = np.fromfile(f, dtype="<f8")
    if data.size != rows * cols:
        sys.exit(f"{path}: expected {rows}x{cols} values, got {data.size}")
    return data.reshape(rows, cols)


def write_matrix(path, m):
    m = np.ascontiguousarray(m, dtype="<f8")
    with open(path, "wb") as f:
        f.write(MAGIC)
        f.write(np.array(m.shape, dtype="<i8").tobytes())
        f.write(m.tobytes())


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    work = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    from threadpoolctl import threadpool_limits
    import sklearn
    from sklearn.manifold import TSNE

    x = read_matrix(os.path.join(work, "input.bin"))
    # scikit-learn 1.2 calls it n_iter; 1.5 renamed it max_iter.
    iterations = {"max_iter": 1000} if "max_iter" in TSNE().get_params() else {"n_iter": 1000}
    tsne = TSNE(n_components=2, perplexity=30.0, early_exaggeration=12.0, learning_rate="auto",
                init="pca", method="barnes_hut", angle=0.5, n_jobs=threads, random_state=0,
                **iterations)
    with threadpool_limits(limits=threads):
        start = time.perf_counter()
        cpu = time.process_time()
        y = tsne.fit_transform(x)
        cpu = time.process_time() - cpu
        seconds = time.perf_counter() - start
    write_matrix(os.path.join(work, "sklearn_embedding.bin"), y)
    meta = {"implementation": f"scikit-learn {sklearn.__version__}", "seconds": seconds,
            "cpu_seconds": cpu, "kl_divergence": float(tsne.kl_divergence_),
            "iterations": int(tsne.n_iter_) + 1, "learning_rate": float(tsne.learning_rate_),
            "threads": threads}
    with open(os.path.join(work, "sklearn.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
