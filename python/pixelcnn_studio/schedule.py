"""The app's seeded generator, split and pretraining schedule, bit for bit.

    mulberry32          src/model/random.ts  seededRandom
    split_indices       src/data/split.ts    splitIndices
    batch_indices       src/pretrain/schedule.ts batchIndices
    learning_rate_at    src/pretrain/schedule.ts learningRateAt

JavaScript's 32-bit integer operations (Math.imul, |, ^, >>>) are done here
on Python integers masked to 32 bits, which gives the same bits.
"""

import math

MASK32 = 0xFFFFFFFF


def imul(a, b):
    """Math.imul, as an unsigned 32-bit result."""
    return ((a & MASK32) * (b & MASK32)) & MASK32


def mulberry32(seed):
    """seededRandom(seed): a function returning floats in [0, 1), the same sequence as the app's."""
    state = seed & MASK32

    def random():
        nonlocal state
        state = (state + 0x6D2B79F5) & MASK32
        t = state
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & MASK32
        return ((t ^ (t >> 14)) & MASK32) / 4294967296.0

    return random


def js_round(x):
    """Math.round for the values used here (halves round up)."""
    return math.floor(x + 0.5)


def test_count(count, test_fraction):
    if not 0 <= test_fraction < 1:
        raise ValueError(f"testFraction must be at least 0 and below 1, got {test_fraction}.")
    if count < 2 or test_fraction == 0:
        return 0
    return min(count - 1, max(1, js_round(count * test_fraction)))


DEFAULT_TEST_FRACTION = 0.1
DEFAULT_SPLIT_SEED = 1


def split_indices(count, test_fraction=DEFAULT_TEST_FRACTION, seed=DEFAULT_SPLIT_SEED):
    """(train, test): ascending image indices, as the app splits `count` images."""
    n_test = test_count(count, test_fraction)
    random = mulberry32(seed)
    order = list(range(count))
    for i in range(count - 1, 0, -1):
        j = math.floor(random() * (i + 1))
        order[i], order[j] = order[j], order[i]
    return sorted(order[n_test:]), sorted(order[:n_test])


def epoch_order(count, seed, epoch):
    """The permutation of 0..count-1 for one epoch."""
    random = mulberry32(imul(seed, 0x9E3779B1) ^ imul(epoch + 1, 0x85EBCA6B))
    order = list(range(count))
    for i in range(count - 1, 0, -1):
        j = math.floor(random() * (i + 1))
        order[i], order[j] = order[j], order[i]
    return order


class BatchOrder:
    """batchIndices(step, trainCount, batchSize, seed), with the current epoch's shuffle kept."""

    def __init__(self, train_count, batch_size, seed):
        self.per_epoch = train_count // batch_size
        if self.per_epoch < 1:
            raise ValueError(f"A batch of {batch_size} needs at least that many training images, got {train_count}.")
        self.train_count = train_count
        self.batch_size = batch_size
        self.seed = seed
        self._epoch = None
        self._order = None

    def __call__(self, step):
        epoch = step // self.per_epoch
        if epoch != self._epoch:
            self._epoch = epoch
            self._order = epoch_order(self.train_count, self.seed, epoch)
        start = (step % self.per_epoch) * self.batch_size
        return self._order[start : start + self.batch_size]


def batch_indices(step, train_count, batch_size, seed):
    return BatchOrder(train_count, batch_size, seed)(step)


def learning_rate_at(step, settings):
    """Linear warm-up to the peak, then a cosine decay to the final rate at the last step."""
    peak = settings["peakLearningRate"]
    final = settings["finalLearningRate"]
    warmup = settings["warmupSteps"]
    if step < warmup:
        return (peak * (step + 1)) / warmup
    span = max(1, settings["steps"] - warmup)
    progress = min(1.0, (step - warmup) / span)
    return final + 0.5 * (peak - final) * (1 + math.cos(math.pi * progress))


def split_shares(count, parts):
    """splitShares (src/pretrain/gradients.ts): `count` images in `parts` contiguous [start, end) shares."""
    shares = []
    for p in range(parts):
        start = js_round((p * count) / parts)
        end = js_round(((p + 1) * count) / parts)
        if end > start:
            shares.append((start, end))
    return shares


def label_dropout_random(seed, step):
    """The generator of step `step`'s label dropout (labelDropoutRandom in src/pretrain/schedule.ts)."""
    return mulberry32(imul(seed ^ 0x5BD1E995, 0x27D4EB2F) ^ imul(step + 1, 0x165667B1))


def dropped_labels(labels, probability, seed, step, no_class):
    """
    The labels of a whole batch with each replaced by `no_class` with
    probability `probability`: one draw per image, in batch order, from the
    step's own generator, so every engine and every share of a batch drops
    the same images (dropLabels in src/pretrain/schedule.ts).
    """
    if probability <= 0:
        return list(labels)
    random = label_dropout_random(seed, step)
    return [no_class if random() < probability else int(label) for label in labels]
