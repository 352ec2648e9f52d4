#!/usr/bin/python3
"""Table of bench/train results (one JSON line per run, from bench_train and torch_peer.py).

  summarize.py RESULTS.jsonl

Per model, batch and side: the median over runs of each run's median steady epoch (epochs 2..,
the first is warm-up), and the best steady epoch over all runs. On a loaded machine the best
epoch is the one least disturbed by other processes; the median shows what a user would see.
Also prints the Fashion-MNIST CAE's share of the CPU's FMA peak (FLOPS_PEAK, GFLOP/s).
"""
import json
import os
import statistics
import sys

# Multiply-adds per image, forward, of the three models (see bench/train/torch_peer.py):
# training costs about 3x the forward (forward, input gradients, weight gradients).
FORWARD_MACS = {
    "fashion_mnist_cae": 14112 + 56448 + 41472 + 18432 + 896 + 896 + 18432 + 41472 + 56448 + 14112,
    "mnist_dense5": 784 * 256 + 256 * 128 + 128 * 30 + 30 * 128 + 128 * 256 + 256 * 784,
    "cifar10_cae": 1024 * 27 * 8 + 256 * 72 * 12 + 64 * 108 * 16 + 64 * 144 * 12 + 256 * 108 * 8
                   + 1024 * 72 * 3,
}


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    cell = {}
    order = []
    for r in rows:
        cell.setdefault((r["model"], r["batch"], r["side"]), []).append(r)
        if (r["model"], r["batch"]) not in order:
            order.append((r["model"], r["batch"]))

    def median_ips(model, batch, side):
        rs = cell.get((model, batch, side))
        return statistics.median(r["images_per_second"] for r in rs) if rs else float("nan")

    def best_ips(model, batch, side):
        rs = cell.get((model, batch, side))
        if not rs:
            return float("nan")
        return max(r["images"] / min(r["epoch_times"][1:] or r["epoch_times"]) for r in rs)

    print("| model | device | batch | images/epoch | img/s aelab | img/s careful | img/s common "
          "| epoch s aelab | aelab/careful | aelab/common | best-epoch img/s aelab / careful / "
          "common | best-epoch ratios |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for model, batch in order:
        a, c, p = (median_ips(model, batch, s) for s in ("aelab", "careful", "common"))
        ba, bc, bp = (best_ips(model, batch, s) for s in ("aelab", "careful", "common"))
        n = cell[(model, batch, "aelab")][0]["images"]
        print(f"| {model} | cpu | {batch} | {n} | {a:.0f} | {c:.0f} | {p:.0f} | {n / a:.2f} | "
              f"{a / c:.2f} | {a / p:.2f} | {ba:.0f} / {bc:.0f} / {bp:.0f} | "
              f"{ba / bc:.2f} / {ba / bp:.2f} |")
    aelab = [r for r in rows if r["side"] == "aelab"]
    print(f"\nthreads {aelab[0]['threads']}, BLAS {aelab[0]['blas']}, "
          f"aelab peak RSS (subset runs) {max(r['peak_rss_mib'] for r in aelab):.0f} MiB")
    peak = float(os.environ.get("FLOPS_PEAK", "0"))
    if peak > 0:
        for model, batch in order:
            if model != "fashion_mnist_cae":
                continue
            flop = 3 * 2 * FORWARD_MACS[model]
            ips = max(median_ips(model, batch, "aelab"), 0)
            print(f"{model} batch {batch}: {flop / 1e6:.2f} MFLOP/image/step, aelab "
                  f"{ips * flop / 1e9:.1f} GFLOP/s = {100 * ips * flop / 1e9 / peak:.1f}% of the "
                  f"{peak:.0f} GFLOP/s FMA peak (best epoch "
                  f"{100 * best_ips(model, batch, 'aelab') * flop / 1e9 / peak:.1f}%)")


if __name__ == "__main__":
    main()
