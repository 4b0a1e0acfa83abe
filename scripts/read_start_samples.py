"""What share of the samples scripts/measure-start.mjs drew read as their class.

A small classifier (two conv layers, PyTorch, one thread) is trained on 90% of
each generated set (scripts/make-test-sets.mjs) and checked on the other 10%;
it then reads every <set>-<start>.bin of the output folder, whose rows are
classes (START_PER_CLASS images each, in class order).

    /usr/bin/python3 scripts/read_start_samples.py [out=.test-sets/start] [sets=.test-sets] [per_class=8]
"""

import glob
import json
import os
import sys

import numpy as np
import torch
from torch import nn

torch.set_num_threads(1)
torch.manual_seed(0)
np.random.seed(0)

out = sys.argv[1] if len(sys.argv) > 1 else ".test-sets/start"
sets = sys.argv[2] if len(sys.argv) > 2 else ".test-sets"
per_class = int(sys.argv[3]) if len(sys.argv) > 3 else 8


def load(name):
    meta = json.load(open(os.path.join(sets, name + ".json")))
    pixels = np.fromfile(os.path.join(sets, name + ".bin"), dtype=np.uint8)
    images = pixels.reshape(meta["count"], meta["height"], meta["width"], meta["channels"])
    labels = np.array([int(v) for v in meta["labels"].split(",")])
    return images, labels, meta


def tensor(images):
    return torch.tensor(images, dtype=torch.float32).permute(0, 3, 1, 2) / 255.0


def classifier(channels, classes, size):
    return nn.Sequential(
        nn.Conv2d(channels, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * (size // 4) ** 2, 128), nn.ReLU(), nn.Linear(128, classes),
    )


for name in ["letters", "shapes"]:
    runs = sorted(glob.glob(os.path.join(out, name + "-*.bin")))
    if not runs:
        continue
    images, labels, meta = load(name)
    order = np.random.default_rng(0).permutation(len(labels))
    held = order[: len(order) // 10]
    train = order[len(order) // 10:]
    x, y = tensor(images[train]), torch.tensor(labels[train])
    model = classifier(meta["channels"], len(meta["classNames"]), meta["width"])
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    for epoch in range(40):
        perm = torch.randperm(len(y))
        for i in range(0, len(y), 64):
            idx = perm[i:i + 64]
            # Small shifts, so the classifier does not lean on exact placement.
            batch = torch.roll(x[idx], shifts=(int(np.random.randint(-1, 2)), int(np.random.randint(-1, 2))), dims=(2, 3))
            loss = nn.functional.cross_entropy(model(batch), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(tensor(images[held])).argmax(1).numpy() == labels[held]).mean()
    print(f"{name}: classifier reads {accuracy:.1%} of {len(held)} held-out real images right")
    for run in runs:
        start = os.path.basename(run)[len(name) + 1: -4]
        pixels = np.fromfile(run, dtype=np.uint8)
        samples = pixels.reshape(-1, meta["height"], meta["width"], meta["channels"])
        asked = np.arange(len(samples)) // per_class
        with torch.no_grad():
            p = torch.softmax(model(tensor(samples)), 1).numpy()
        top = p.argmax(1)
        sure = p[np.arange(len(samples)), asked] >= 0.9
        print(f"  {start:10s} {len(samples)} samples: read as the class asked {np.mean(top == asked):.0%} (top guess), {np.mean(sure):.0%} with p >= 0.9")
