"""Interop check: the C++ model and the same weights loaded into Python give the same output.

usage: compare_outputs.py <run folder> <reference.pt>
reference.pt (written by the C++ test with torch::pickle_save) holds {"input": x, "output": y}.
Prints the max absolute difference and the state dict's keys, exits 1 when they differ.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "scripts"))
import aelab_torch  # noqa: E402

run_dir, reference = sys.argv[1], sys.argv[2]
state = torch.load(os.path.join(run_dir, "weights.pt"))
assert isinstance(state, dict) and all(isinstance(v, torch.Tensor) for v in state.values())
print("keys", " ".join(sorted(state)))
model = aelab_torch.load_run(run_dir)
ref = torch.load(reference)
with torch.no_grad():
    out = model(ref["input"])
diff = (out - ref["output"]).abs().max().item()
print(f"max_abs_diff {diff:.3g}")
sys.exit(0 if diff < 1e-5 else 1)
