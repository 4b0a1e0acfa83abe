"""The built-in MNIST digits as `npm run prepare-data` writes them, split as the app splits them.

    public/data/mnist-28x28.bin   count x 28 x 28 bytes, 0 = black, 255 = white
    public/data/mnist-28x28.json  { count, width, height, labels: "0123..." , ... }

Levels: a byte b becomes the nearest of `levels` evenly spaced levels,
round(b * (levels - 1) / 255) with halves up (src/data/quantise.ts).
"""

import json
import os

import numpy as np

from .schedule import DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION, split_indices

MNIST_SIDE = 28


class Dataset:
    """Images [count, H, W, C] of uint8 levels, and labels [count] (int64) or None."""

    def __init__(self, pixels, labels, levels, class_names=None):
        self.pixels = pixels
        self.labels = labels
        self.levels = levels
        self.class_names = class_names

    @property
    def count(self):
        return self.pixels.shape[0]

    def select(self, indices):
        indices = np.asarray(indices, dtype=np.int64)
        labels = None if self.labels is None else self.labels[indices]
        return Dataset(self.pixels[indices], labels, self.levels, self.class_names)


def quantise_bytes(data, levels):
    """Bytes 0..255 -> levels 0..levels-1 (exact integer form of the app's rounding)."""
    data = data.astype(np.int64)
    return ((2 * data * (levels - 1) + 255) // 510).astype(np.uint8)


def read_mnist(root, levels=256):
    """All built-in digits as a Dataset ([count, 28, 28, 1]) with their labels when the description has them."""
    binary = os.path.join(root, "public", "data", "mnist-28x28.bin")
    description = os.path.join(root, "public", "data", "mnist-28x28.json")
    if not os.path.exists(binary):
        raise FileNotFoundError(f"{binary} is missing; run npm run prepare-data")
    raw = np.fromfile(binary, dtype=np.uint8)
    side = MNIST_SIDE * MNIST_SIDE
    if raw.size == 0 or raw.size % side != 0:
        raise ValueError(f"{binary} is damaged: {raw.size} bytes is not a whole number of 28×28 images")
    count = raw.size // side
    labels = None
    if os.path.exists(description):
        with open(description, "r", encoding="utf-8") as handle:
            text = json.load(handle).get("labels")
        if isinstance(text, str):
            if len(text) != count or not text.isdigit():
                raise ValueError(f"{description} has damaged labels: expected {count} digits, got {len(text)} characters")
            labels = np.frombuffer(text.encode("ascii"), dtype=np.uint8).astype(np.int64) - 48
    pixels = quantise_bytes(raw, levels).reshape(count, MNIST_SIDE, MNIST_SIDE, 1)
    names = [str(d) for d in range(10)] if labels is not None else None
    return Dataset(pixels, labels, levels, names)


def read_mnist_split(root, levels=256, test_fraction=DEFAULT_TEST_FRACTION, seed=DEFAULT_SPLIT_SEED):
    """(train, test) exactly as the app's split of the built-in digits."""
    everything = read_mnist(root, levels)
    train, test = split_indices(everything.count, test_fraction, seed)
    return everything.select(train), everything.select(test)


def fit_to_config(dataset, config):
    """The dataset in the model's geometry; the torch engine reads MNIST at its own size, gray or RGB."""
    if config["height"] != MNIST_SIDE or config["width"] != MNIST_SIDE:
        raise ValueError(
            f"the torch engine trains on the built-in digits at 28×28 only; the config asks for "
            f"{config['width']}×{config['height']}"
        )
    if config["levels"] != dataset.levels:
        raise ValueError(f"the dataset has {dataset.levels} levels, the config {config['levels']}")
    pixels = dataset.pixels
    if config["colorChannels"] == 3:
        pixels = np.repeat(pixels, 3, axis=3)
    return Dataset(pixels, dataset.labels, dataset.levels, dataset.class_names)
