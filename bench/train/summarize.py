#!/usr/bin/python3
"""Tables of bench/train results (one JSON line per run, from bench_train and torch_peer.py).

  summarize.py RESULTS.jsonl

A run's figure is its median steady epoch (epochs 2.., the first is warm-up) in images/s. Per
model, batch and side: the median over rounds and the min-max spread. The first table compares
aelab as shipped with the FASTEST peer variant of the same model and batch (by median), the
second lists every side, the third shows the step plan aelab's calibration chose. Also prints
the Fashion-MNIST CAE's share of the CPU's FMA peak (FLOPS_PEAK, GFLOP/s).
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


def spread(values):
    """'median [min-max]' of images/s."""
    return f"{statistics.median(values):,.0f} [{min(values):,.0f}-{max(values):,.0f}]"


def plan_text(plan):
    if not plan:
        return "(none: --blas-threads)"
    replicas = plan.get("replicas", 1)
    text = (f"{f'{replicas} replicas x ' if replicas > 1 else ''}"
            f"{plan['intra_op_threads']} intra-op / OpenBLAS {plan['blas_threads']}")
    # A switch the model does not have (no strided transposed convolution, no convolution) was
    # not among the candidates: name only the switches the candidates differed in.
    candidates = plan.get("candidates", [])
    if len({c["adjoint_conv_transpose"] for c in candidates}) > 1:
        text += f", adjoints {'on' if plan['adjoint_conv_transpose'] else 'off'}"
    if len({c["channels_last"] for c in candidates}) > 1:
        text += f", {'NHWC' if plan['channels_last'] else 'NCHW'}"
    return text


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    cell, order, sides = {}, [], {}
    for r in rows:
        key = (r["model"], r["batch"])
        cell.setdefault(key + (r["side"],), []).append(r)
        if key not in order:
            order.append(key)
        sides.setdefault(key, [])
        if r["side"] not in sides[key]:
            sides[key].append(r["side"])

    def ips(key, side):
        return [r["images_per_second"] for r in cell.get(key + (side,), [])]

    def median(key, side):
        values = ips(key, side)
        return statistics.median(values) if values else float("nan")

    print("aelab as shipped against the fastest PyTorch variant of the same run "
          "(images/s, median over rounds [min-max]):\n")
    print("| model | batch | images/epoch | rounds | aelab | fastest peer | its img/s | "
          "aelab / fastest peer |")
    print("|---|---:|---:|---:|---:|---|---:|---:|")
    for key in order:
        peers = [s for s in sides[key] if s != "aelab"]
        a = ips(key, "aelab")
        if not a or not peers:
            continue
        best = max(peers, key=lambda s: median(key, s))
        n = cell[key + ("aelab",)][0]["images"]
        print(f"| {key[0]} | {key[1]} | {n} | {len(a)} | {spread(a)} | {best} | "
              f"{spread(ips(key, best))} | {statistics.median(a) / median(key, best):.2f} |")

    print("\nEvery side (images/s, median [min-max]; epoch s at the median):\n")
    print("| model | batch | side | threads | img/s | epoch s |")
    print("|---|---:|---|---:|---:|---:|")
    for key in order:
        for side in sorted(sides[key], key=lambda s: -median(key, s)):
            rs = cell[key + (side,)]
            threads = sorted({r.get("threads") for r in rs})
            m = median(key, side)
            print(f"| {key[0]} | {key[1]} | {side} | {'/'.join(map(str, threads))} | "
                  f"{spread(ips(key, side))} | {rs[0]['images'] / m:.2f} |")

    print("\nThe step plan aelab chose (round by round; 'measured' includes the calibration):\n")
    print("| model | batch | round | source | plan | candidates ms/step | calibration s |")
    print("|---|---:|---:|---|---|---|---:|")
    for key in order:
        for r in cell.get(key + ("aelab",), []):
            plan = r.get("step_plan") or {}
            cands = ", ".join(
                f"{str(c['replicas']) + 'r' if c.get('replicas', 1) > 1 else ''}"
                f"{c['intra_op_threads']}t{'' if c['adjoint_conv_transpose'] else ' noadj'}"
                f"{' nhwc' if c['channels_last'] else ''} {c['ms_per_step']:.1f}"
                for c in plan.get("candidates", []))
            print(f"| {key[0]} | {key[1]} | {r.get('round', '')} | {plan.get('source', '-')} | "
                  f"{plan_text(plan)} | {cands or '-'} | {plan.get('seconds', 0):.2f} |")

    aelab = [r for r in rows if r["side"] == "aelab"]
    if aelab:
        print(f"\naelab: {aelab[0]['threads']} threads, BLAS {aelab[0]['blas']}, peak RSS "
              f"(subset runs) {max(r['peak_rss_mib'] for r in aelab):.0f} MiB")
    peak = float(os.environ.get("FLOPS_PEAK", "0"))
    if peak > 0:
        for key in order:
            if key[0] != "fashion_mnist_cae" or not ips(key, "aelab"):
                continue
            flop = 3 * 2 * FORWARD_MACS[key[0]]
            best = max(ips(key, "aelab"))
            print(f"{key[0]} batch {key[1]}: {flop / 1e6:.2f} MFLOP/image/step, aelab "
                  f"{median(key, 'aelab') * flop / 1e9:.1f} GFLOP/s = "
                  f"{100 * median(key, 'aelab') * flop / 1e9 / peak:.1f}% of the {peak:.0f} GFLOP/s "
                  f"FMA peak (best round {100 * best * flop / 1e9 / peak:.1f}%)")


if __name__ == "__main__":
    main()
