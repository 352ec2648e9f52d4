#!/usr/bin/env python3
"""Load an aelab run into Python PyTorch, or export it as TorchScript or ONNX.

    import aelab_torch
    model = aelab_torch.load_run("runs/fashion_mnist_cae-...")   # a torch.nn.Module, eval mode
    reconstruction = model(images)                              # images: float [N, C, H, W] in [0, 1]
    codes = model.encode(images)

The run folder's model.json describes the layers (written by aelab) and weights.pt is a plain
state dict (torch.load gives a dict of tensors named like encoder.0.weight; it loads with
torch.load(..., weights_only=True) too), so this module only rebuilds the same nn.Sequential
stacks and loads the weights into them.

From the shell (docs/run-folder.md lists what lands in the run folder):

    aelab_torch.py RUN                                  # print the module
    aelab_torch.py export RUN --torchscript [--out F]   # RUN/model.torchscript.pt: forward and encode
    aelab_torch.py export RUN --onnx [--out F] [--opset N] [--part encoder]
                                                        # RUN/model.onnx, checked with onnx.checker

Both exports are of the model in eval mode (dropout off, batch-norm running statistics, a VAE's
mean code), with the batch size left free: input "images" [N, C, H, W] in [0, 1], output
"reconstruction" [N, C, H, W] (or "code" [N, latent] for --part encoder).
"""
import argparse
import inspect
import json
import os
import pickle
import sys

import torch
from torch import nn


class Unflatten(nn.Module):
    """nn.Unflatten(1, shape) as a reshape: the same numbers, and it exports to ONNX (torch 1.13
    has no ONNX symbolic for aten::unflatten)."""

    def __init__(self, shape):
        super().__init__()
        self.shape = [int(d) for d in shape]

    def forward(self, x):
        return x.reshape([x.size(0)] + self.shape)

    def extra_repr(self):
        return f"dim=1, unflattened_size={tuple(self.shape)}"


def _layer(spec):
    kind = spec["type"]
    if kind == "dense":
        return nn.Linear(spec["in"], spec["out"], bias=spec["bias"])
    if kind == "conv2d":
        return nn.Conv2d(spec["in"], spec["out"], spec["kernel"], stride=spec["stride"],
                         padding=spec["padding"], bias=spec["bias"])
    if kind == "conv_transpose2d":
        return nn.ConvTranspose2d(spec["in"], spec["out"], spec["kernel"], stride=spec["stride"],
                                  padding=spec["padding"], output_padding=spec["output_padding"],
                                  bias=spec["bias"])
    if kind == "maxpool":
        return nn.MaxPool2d(spec["kernel"], stride=spec["stride"], padding=spec["padding"])
    if kind == "avgpool":
        return nn.AvgPool2d(spec["kernel"], stride=spec["stride"], padding=spec["padding"])
    if kind == "upsample":
        if "size" in spec:
            return nn.Upsample(size=tuple(spec["size"]), mode=spec["mode"],
                               align_corners=False if spec["mode"] == "bilinear" else None)
        return nn.Upsample(scale_factor=float(spec["scale"]), mode=spec["mode"],
                           align_corners=False if spec["mode"] == "bilinear" else None)
    if kind == "batchnorm":
        return nn.BatchNorm2d(spec["features"]) if spec["dims"] == 3 else nn.BatchNorm1d(spec["features"])
    if kind == "dropout":
        return nn.Dropout(spec["rate"])
    if kind == "flatten":
        return nn.Flatten()
    if kind == "unflatten":
        return Unflatten(spec["shape"])
    if kind == "relu":
        return nn.ReLU()
    if kind == "leaky_relu":
        return nn.LeakyReLU(spec["slope"])
    if kind == "sigmoid":
        return nn.Sigmoid()
    if kind == "tanh":
        return nn.Tanh()
    raise ValueError(f"model.json: unknown layer type {kind!r}")


class Autoencoder(nn.Module):
    """The module aelab trained: encoder, decoder, and for a VAE the mu / logvar heads.

    A plain autoencoder has nn.Identity() as its mu head (and no logvar), so encode() is the
    same code for both kinds and TorchScript compiles it without branches on the kind.
    """

    def __init__(self, architecture):
        super().__init__()
        self.variational = architecture["kind"] == "vae"
        self.input_shape = list(architecture.get("input_shape", []))
        self.encoder = nn.Sequential(*[_layer(s) for s in architecture["encoder"]])
        if self.variational:
            heads = architecture["heads"]
            self.mu = nn.Linear(heads["in"], heads["out"])
            self.logvar = nn.Linear(heads["in"], heads["out"])
        else:
            self.mu = nn.Identity()
        self.decoder = nn.Sequential(*[_layer(s) for s in architecture["decoder"]])

    @torch.jit.export
    def encode(self, x):
        return self.mu(self.encoder(x))

    def forward(self, x):
        return self.decoder(self.encode(x))


class _Encoder(nn.Module):
    """The encoder half as its own module (ONNX files have one entry point)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model.encode(x)


def _torch_load(path):
    # The safe loader (tensors and plain containers only) where this torch has it. weights.pt
    # files written by older aelab versions hold a TorchScript type tag on the dict
    # (torch.jit._pickle.restore_type_tag) that the safe loader refuses; those are loaded with
    # the full unpickler, as torch.load did before it had weights_only.
    if "weights_only" in inspect.signature(torch.load).parameters:
        try:
            return torch.load(path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError as e:
            if "restore_type_tag" not in str(e):
                raise
    return torch.load(path, map_location="cpu")


def load_run(run_dir, weights="weights.pt"):
    with open(os.path.join(run_dir, "model.json")) as f:
        architecture = json.load(f)
    if architecture.get("skips", "none") != "none":
        # The module here is a plain encoder-decoder stack; adding the encoder's activations
        # into the decoder is not rebuilt, and a model without them would be silently wrong.
        raise ValueError(f"{run_dir}: model.skips = {architecture['skips']!r} is not supported "
                         "by aelab_torch.py (only models without skip connections)")
    model = Autoencoder(architecture)
    state = _torch_load(os.path.join(run_dir, weights))
    model.load_state_dict(state)
    return model.eval()


def _example_input(model, batch=2):
    if len(model.input_shape) != 3:
        raise ValueError("model.json has no input_shape [C, H, W] (written by aelab since the "
                         "first release; re-run `aelab train RUN --resume` to rewrite it)")
    return torch.rand([batch] + model.input_shape, generator=torch.Generator().manual_seed(0))


def export_torchscript(run_dir, out=None):
    """Writes the scripted model (forward and encode); returns the file."""
    out = out or os.path.join(run_dir, "model.torchscript.pt")
    scripted = torch.jit.script(load_run(run_dir))
    scripted.save(out)
    return out


def export_onnx(run_dir, out=None, opset=13, part="autoencoder"):
    """Writes the model (or its encoder) as ONNX with a free batch size, checks the file with
    onnx.checker (with shape inference) when the onnx package is there; returns the file."""
    out = out or os.path.join(run_dir, "model.onnx" if part == "autoencoder" else "encoder.onnx")
    model = load_run(run_dir)
    module = model if part == "autoencoder" else _Encoder(model).eval()
    output = "reconstruction" if part == "autoencoder" else "code"
    with torch.no_grad():
        torch.onnx.export(module, _example_input(model), out, opset_version=opset,
                          input_names=["images"], output_names=[output],
                          dynamic_axes={"images": {0: "batch"}, output: {0: "batch"}},
                          do_constant_folding=True)
    try:
        import onnx
    except ImportError:
        print("note: the onnx package is not installed, the file was not checked", file=sys.stderr)
        return out
    onnx.checker.check_model(onnx.load(out), full_check=True)
    return out


def main(argv):
    if len(argv) == 1 and argv[0] not in ("export", "-h", "--help"):
        print(load_run(argv[0]))
        return 0
    parser = argparse.ArgumentParser(prog="aelab_torch.py",
                                     description="rebuild an aelab run as a PyTorch module")
    commands = parser.add_subparsers(dest="command", required=True)
    show = commands.add_parser("show", help="print the module")
    show.add_argument("run", help="run folder")
    export = commands.add_parser("export", help="write the model as TorchScript or ONNX")
    export.add_argument("run", help="run folder (model.json and weights.pt)")
    kind = export.add_mutually_exclusive_group(required=True)
    kind.add_argument("--torchscript", action="store_true",
                      help="TorchScript (torch.jit.load), default RUN/model.torchscript.pt")
    kind.add_argument("--onnx", action="store_true", help="ONNX, default RUN/model.onnx")
    export.add_argument("--out", help="the file to write")
    export.add_argument("--opset", type=int, default=13, help="ONNX opset (default 13)")
    export.add_argument("--part", choices=["autoencoder", "encoder"], default="autoencoder",
                        help="ONNX: the whole model (images -> reconstruction) or the encoder "
                             "(images -> code; default RUN/encoder.onnx)")
    args = parser.parse_args(argv)
    if args.command == "show":
        print(load_run(args.run))
        return 0
    if args.torchscript:
        if args.part != "autoencoder":
            parser.error("--part is for --onnx (a TorchScript file has forward and encode)")
        out = export_torchscript(args.run, args.out)
    else:
        out = export_onnx(args.run, args.out, args.opset, args.part)
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
