"""Exports a run with aelab_torch.py (as a user runs it) and compares every export with aelab.

usage: check_exports.py <run folder> <reference.pt> <scratch folder>
reference.pt (written by the C++ test with torch::pickle_save) holds {"input": x, "output": y,
"code": z}: aelab's own reconstruction and code of x. Prints one "<what> max_abs_diff <value>"
line per comparison and exits 1 when any exceeds 1e-5 (or an export cannot be loaded).

- TorchScript: torch.jit.load, then forward and encode.
- ONNX: onnx.checker.check_model (full_check: with shape inference), then the graph is evaluated
  by onnx_numpy.py (NumPy, float64, no torch), at a batch size other than the one exported with,
  for the whole model and for --part encoder. A copy of the graph with one weight changed must
  differ, so the interpreter is known to read the file's numbers.
"""
import os
import subprocess
import sys

import numpy as np
import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "..", "..", "scripts", "aelab_torch.py")
sys.path.insert(0, HERE)
import onnx_numpy  # noqa: E402

TOLERANCE = 1e-5


def export(run_dir, *args):
    r = subprocess.run([sys.executable, SCRIPT, "export", run_dir, *args], capture_output=True,
                       text=True)
    if r.returncode != 0:
        sys.exit(f"aelab_torch.py export {' '.join(args)} failed:\n{r.stdout}{r.stderr}")
    return r.stdout.strip().splitlines()[-1]


def max_abs_diff(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        sys.exit(f"shape {a.shape} != {b.shape}")
    return float(np.abs(a - b).max())


def main(run_dir, reference, scratch):
    ref = torch.load(reference)
    x = ref["input"]
    output, code = ref["output"].numpy(), ref["code"].numpy()
    diffs = {}

    ts_file = export(run_dir, "--torchscript", "--out", os.path.join(scratch, "model.ts.pt"))
    scripted = torch.jit.load(ts_file)
    with torch.no_grad():
        diffs["torchscript forward"] = max_abs_diff(scripted(x).numpy(), output)
        diffs["torchscript encode"] = max_abs_diff(scripted.encode(x).numpy(), code)

    for part, name, expected in (("autoencoder", "reconstruction", output),
                                 ("encoder", "code", code)):
        onnx_file = export(run_dir, "--onnx", "--part", part, "--out",
                           os.path.join(scratch, f"{part}.onnx"))
        model = onnx.load(onnx_file)
        onnx.checker.check_model(model, full_check=True)
        batch = model.graph.input[0].type.tensor_type.shape.dim[0]
        if batch.dim_param != "batch":
            sys.exit(f"{onnx_file}: the batch axis is fixed ({batch}), expected it free")
        if x.shape[0] == 2:
            sys.exit("use a batch other than 2 (the export's example batch)")
        got = onnx_numpy.run(model, {"images": x.numpy()})[name]
        diffs[f"onnx {part}"] = max_abs_diff(got, expected)
        # The same graph with its largest weight changed (x 1.1 + 0.05) must not still match.
        weights = max(model.graph.initializer, key=lambda t: np.prod(t.dims))
        w = onnx.numpy_helper.to_array(weights) * np.float32(1.1) + np.float32(0.05)
        weights.CopyFrom(onnx.numpy_helper.from_array(w, weights.name))
        changed = max_abs_diff(onnx_numpy.run(model, {"images": x.numpy()})[name], expected)
        print(f"onnx {part} with {weights.name} changed: max_abs_diff {changed:.3g}")
        if changed <= TOLERANCE:
            sys.exit("the interpreter did not see a changed weight")

    for what, d in diffs.items():
        print(f"{what} max_abs_diff {d:.3g}")
    return 0 if all(d <= TOLERANCE for d in diffs.values()) else 1


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
