#!/usr/bin/python3
"""PyTorch peers of aelab's training benchmark.

Trains the same three autoencoders as bench_train (Adam, MSE, same batch size, same images) in
two ways and prints one JSON line per run:
  common:  a per-sample Dataset (PIL image -> ToTensor, as torchvision's MNIST does) read by a
           DataLoader with shuffle and num_workers=0, the way most tutorials train;
  careful: the whole subset preloaded as one uint8 tensor, batches gathered by indexing a
           permutation and converted to float per batch (what aelab's trainer does).

  torch_peer.py MODEL IMAGES.u8 BATCH EPOCHS THREADS WAY [LAYOUT]
MODEL is fashion_mnist_cae | mnist_dense5 | cifar10_cae; IMAGES.u8 is the file bench_train
`prepare` wrote (a 16-byte header n, c, h, w as int32, then n*c*h*w uint8 in NCHW order).
THREADS is a count for torch.set_num_threads, or "default" to leave PyTorch's own choice (what
a script that never calls it gets). LAYOUT is nchw (default) or nhwc: the model and every
batch in torch.channels_last, as PyTorch's performance guide suggests for convolutions. No
OpenMP variable is set here: the peer runs as its users run it.
The first epoch is warm-up; the others are timed one by one.
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


def fashion_mnist_cae(n=8, latent=14):
    # configs/fashion_mnist_cae.toml: 28 -> 14 -> 7 -> 3, dense 64, dense 14, mirrored decoder.
    encoder = nn.Sequential(
        nn.Conv2d(1, n, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(n, 2 * n, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(2 * n, 4 * n, 3, stride=2, padding=0), nn.ReLU(),
        nn.Flatten(), nn.Linear(36 * n, 64), nn.ReLU(), nn.Linear(64, latent))
    decoder = nn.Sequential(
        nn.Linear(latent, 64), nn.ReLU(), nn.Linear(64, 36 * n), nn.ReLU(),
        nn.Unflatten(1, (4 * n, 3, 3)),
        nn.ConvTranspose2d(4 * n, 2 * n, 3, stride=2, padding=0, output_padding=0), nn.ReLU(),
        nn.ConvTranspose2d(2 * n, n, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(n, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid())
    return encoder, decoder


def mnist_dense5(h1=256, h2=128, latent=30):
    encoder = nn.Sequential(nn.Flatten(), nn.Linear(784, h1), nn.ReLU(), nn.Linear(h1, h2),
                            nn.ReLU(), nn.Linear(h2, latent))
    decoder = nn.Sequential(nn.Linear(latent, h2), nn.ReLU(), nn.Linear(h2, h1), nn.ReLU(),
                            nn.Linear(h1, 784), nn.Sigmoid(), nn.Unflatten(1, (1, 28, 28)))
    return encoder, decoder


def cifar10_cae():
    encoder = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 12, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(12, 16, 3, padding=1), nn.ReLU())
    decoder = nn.Sequential(
        nn.Conv2d(16, 12, 3, padding=1), nn.ReLU(), nn.Upsample(scale_factor=2, mode="nearest"),
        nn.Conv2d(12, 8, 3, padding=1), nn.ReLU(), nn.Upsample(scale_factor=2, mode="nearest"),
        nn.Conv2d(8, 3, 3, padding=1), nn.Sigmoid())
    return encoder, decoder


MODELS = {"fashion_mnist_cae": fashion_mnist_cae, "mnist_dense5": mnist_dense5,
          "cifar10_cae": cifar10_cae}


class Autoencoder(nn.Module):
    def __init__(self, parts):
        super().__init__()
        self.encoder, self.decoder = parts

    def forward(self, x):
        return self.decoder(self.encoder(x))


def read_images(path):
    with open(path, "rb") as f:
        n, c, h, w = np.frombuffer(f.read(16), dtype=np.int32)
        data = np.frombuffer(f.read(), dtype=np.uint8)
    return data.reshape(n, c, h, w)


class PerSampleImages(Dataset):
    """One sample at a time through PIL and ToTensor, as torchvision's MNIST/CIFAR10 classes do."""

    def __init__(self, images):
        from PIL import Image
        import torchvision.transforms as T
        self.hwc = np.ascontiguousarray(images.transpose(0, 2, 3, 1))
        self.mode = "L" if images.shape[1] == 1 else "RGB"
        self.image = Image
        self.transform = T.ToTensor()

    def __len__(self):
        return len(self.hwc)

    def __getitem__(self, i):
        a = self.hwc[i]
        img = self.image.fromarray(a[:, :, 0] if self.mode == "L" else a, mode=self.mode)
        return self.transform(img)


def main():
    model_name, path, batch, epochs, threads, way = sys.argv[1:7]
    layout = sys.argv[7] if len(sys.argv) > 7 else "nchw"
    assert layout in ("nchw", "nhwc"), f"layout {layout}: expected nchw or nhwc"
    batch, epochs = int(batch), int(epochs)
    if threads != "default":
        torch.set_num_threads(int(threads))
    torch.manual_seed(0)
    images = read_images(path)
    n = len(images)
    model = Autoencoder(MODELS[model_name]())
    fmt = torch.channels_last if layout == "nhwc" else torch.contiguous_format
    if layout == "nhwc":
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()

    def step(x):
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), x)
        loss.backward()
        optimizer.step()
        return loss.detach()

    if way == "common":
        loader = DataLoader(PerSampleImages(images), batch_size=batch, shuffle=True, num_workers=0)

        def epoch():
            total = 0.0
            for x in loader:
                x = x.contiguous(memory_format=fmt)
                total += step(x).item() * len(x)  # the usual running-loss idiom
            return total / n
    else:
        data = torch.from_numpy(images.copy())

        def epoch():
            perm = torch.randperm(n)
            total = torch.zeros(())
            for b in range(0, n, batch):
                x = data.index_select(0, perm[b:b + batch]).float().div_(255.0)
                x = x.contiguous(memory_format=fmt)
                total += step(x) * len(x)
            return total.item() / n

    times, losses = [], []
    for e in range(epochs):
        t0 = time.perf_counter()
        losses.append(epoch())
        times.append(time.perf_counter() - t0)
    steady = sorted(times[1:]) if epochs > 1 else times
    median = steady[len(steady) // 2]
    side = f"{way} {threads if threads == 'default' else threads + 't'}" + (
        " nhwc" if layout == "nhwc" else "")
    print(json.dumps({"side": side, "way": way, "model": model_name, "batch": batch, "images": n,
                      "threads_asked": threads, "layout": layout,
                      "threads": torch.get_num_threads(), "epoch_seconds": median,
                      "images_per_second": n / median, "epoch_times": times,
                      "losses": losses}), flush=True)


if __name__ == "__main__":
    main()
