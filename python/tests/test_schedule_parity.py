"""The twin reads the same digits, splits them, orders batches and sets learning rates exactly as the app does."""

import os

import numpy as np
import pytest

from conftest import ROOT, check_answer, run_tfjs
from pixelcnn_studio.data import read_builtin_split, read_mnist, read_mnist_split
from pixelcnn_studio.schedule import (
    BatchOrder,
    dropped_labels,
    label_dropout_random,
    learning_rate_at,
    mulberry32,
    split_indices,
)

SETTINGS = {
    "config": {},
    "seed": 2026,
    "steps": 7000,
    "batchSize": 16,
    "peakLearningRate": 4e-3,
    "finalLearningRate": 5e-5,
    "warmupSteps": 200,
}
STEPS = [0, 1, 199, 200, 561, 562, 563, 3000, 6999]
DATA = os.path.join(ROOT, "public", "data", "mnist-28x28.bin")


def test_mulberry32_known_values():
    """The first draws of seededRandom(1), as src/model/random.ts gives them under Node."""
    random = mulberry32(1)
    assert [random() for _ in range(3)] == [0.6270739405881613, 0.002735721180215478, 0.5274470399599522]


@pytest.mark.skipif(not os.path.exists(DATA), reason="run npm run prepare-data")
def test_same_split_batches_and_rates():
    train, test = read_mnist_split(ROOT)
    count = read_mnist(ROOT).count
    order = BatchOrder(train.count, SETTINGS["batchSize"], SETTINGS["seed"])
    answer = check_answer(
        run_tfjs([{"op": "schedule", "count": count, "settings": SETTINGS, "trainCount": train.count, "steps": STEPS}])[0]
    )
    ours_train, ours_test = split_indices(count)
    assert answer["train"] == ours_train
    assert answer["test"] == ours_test
    assert answer["trainLabels"] == train.labels.tolist()
    assert answer["testLabels"] == test.labels.tolist()
    assert answer["trainSums"] == train.pixels.reshape(train.count, -1).sum(axis=1, dtype=np.int64).tolist()
    assert answer["testSums"] == test.pixels.reshape(test.count, -1).sum(axis=1, dtype=np.int64).tolist()
    assert answer["batches"] == [order(step) for step in STEPS]
    assert np.allclose(answer["learningRates"], [learning_rate_at(step, SETTINGS) for step in STEPS], rtol=1e-15, atol=0)


ICONS = os.path.join(ROOT, "public", "data", "icons-16x16.bin")


@pytest.mark.skipif(not os.path.exists(ICONS), reason="run npm run prepare-data")
def test_same_split_and_pixels_of_the_colour_icons():
    train, test = read_builtin_split(ROOT, "icons")
    assert (train.count, test.count) == (1715, 191)
    assert train.pixels.shape[1:] == (16, 16, 3)
    assert train.class_names[0] == "Smileys & Emotion" and len(train.class_names) == 9
    count = train.count + test.count
    answer = check_answer(
        run_tfjs(
            [{"op": "schedule", "count": count, "settings": SETTINGS, "trainCount": train.count, "steps": [0], "dataset": "icons"}]
        )[0]
    )
    assert answer["test"] == split_indices(count)[1]
    assert answer["trainLabels"] == train.labels.tolist()
    assert answer["testLabels"] == test.labels.tolist()
    assert answer["trainSums"] == train.pixels.reshape(train.count, -1).sum(axis=1, dtype=np.int64).tolist()
    assert answer["testSums"] == test.pixels.reshape(test.count, -1).sum(axis=1, dtype=np.int64).tolist()


# ---- label dropout: the labels training keeps at each step ----

DROPOUT_STEPS = [0, 1, 2, 199, 562, 6999, 123456]


DROPOUT_CASES = [(2026, 0.15), (5, 0.5), (-3, 0.3), (2**32 + 7, 0.2)]


def test_same_labels_dropped_as_the_app():
    """dropped_labels and label_dropout_random give what dropLabels and labelDropoutRandom (src/pretrain/schedule.ts) give."""
    labels = [n % 10 for n in range(16)]
    jobs = [
        {"op": "labelDropout", "labels": labels, "probability": p, "seed": seed, "steps": DROPOUT_STEPS, "noClass": 10, "draws": 4}
        for seed, p in DROPOUT_CASES
    ]
    for (seed, probability), answer in zip(DROPOUT_CASES, run_tfjs(jobs)):
        answer = check_answer(answer)
        ours = [dropped_labels(labels, probability, seed, step, 10) for step in DROPOUT_STEPS]
        assert answer["labels"] == ours, f"seed {seed}, p = {probability}"
        draws = []
        for step in DROPOUT_STEPS:
            random = label_dropout_random(seed, step)
            draws.append([random() for _ in range(4)])
        assert answer["draws"] == draws, f"seed {seed}"
        assert any(10 in kept for kept in ours), "no label was dropped: the comparison would pass vacuously"


def test_dropped_labels_drop_about_the_share_asked_and_are_deterministic():
    labels = [n % 10 for n in range(16)]
    for probability in (0.1, 0.15, 0.5):
        dropped = total = 0
        for step in range(2000):
            kept = dropped_labels(labels, probability, 2026, step, 10)
            assert kept == dropped_labels(labels, probability, 2026, step, 10)
            assert all(k == 10 or k == label for k, label in zip(kept, labels))
            dropped += sum(k == 10 for k in kept)
            total += len(kept)
        # 32,000 draws: the share's standard error is at most 0.003.
        assert abs(dropped / total - probability) < 0.015, f"{dropped / total} dropped at p = {probability}"
    # Steps and seeds have their own draws.
    assert dropped_labels(labels, 0.5, 2026, 1, 10) != dropped_labels(labels, 0.5, 2026, 2, 10)
    assert dropped_labels(labels, 0.5, 2027, 1, 10) != dropped_labels(labels, 0.5, 2026, 1, 10)
    assert dropped_labels(labels, 0, 2026, 1, 10) == labels


def test_label_dropout_has_its_own_stream():
    """The dropout draws are not the batch order's (mulberry32 of the seed), so dropping labels changes no batch."""
    random, plain = label_dropout_random(2026, 0), mulberry32(2026)
    assert [random() for _ in range(4)] != [plain() for _ in range(4)]
