#!/usr/bin/env python3
"""Load an aelab run into Python PyTorch.

    import aelab_torch
    model = aelab_torch.load_run("runs/fashion_mnist_cae-...")   # a torch.nn.Module, eval mode
    reconstruction = model(images)                              # images: float [N, C, H, W] in [0, 1]
    codes = model.encode(images)

The run folder's model.json describes the layers (written by aelab) and weights.pt is a plain
state dict (torch.load gives a dict of tensors named like encoder.0.weight), so this module only
rebuilds the same nn.Sequential stacks and loads the weights into them.
"""
import json
import os
import sys

import torch
from torch import nn


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
        return nn.Unflatten(1, tuple(spec["shape"]))
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
    """The module aelab trained: encoder, decoder, and for a VAE the mu / logvar heads."""

    def __init__(self, architecture):
        super().__init__()
        self.variational = architecture["kind"] == "vae"
        self.encoder = nn.Sequential(*[_layer(s) for s in architecture["encoder"]])
        if self.variational:
            heads = architecture["heads"]
            self.mu = nn.Linear(heads["in"], heads["out"])
            self.logvar = nn.Linear(heads["in"], heads["out"])
        self.decoder = nn.Sequential(*[_layer(s) for s in architecture["decoder"]])

    def encode(self, x):
        features = self.encoder(x)
        return self.mu(features) if self.variational else features

    def forward(self, x):
        return self.decoder(self.encode(x))


def load_run(run_dir, weights="weights.pt"):
    with open(os.path.join(run_dir, "model.json")) as f:
        architecture = json.load(f)
    model = Autoencoder(architecture)
    state = torch.load(os.path.join(run_dir, weights))
    model.load_state_dict(state)
    return model.eval()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: aelab_torch.py <run folder>")
    m = load_run(sys.argv[1])
    print(m)
