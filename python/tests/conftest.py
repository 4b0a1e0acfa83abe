"""Shared pieces of the twin's tests: the project root, small configs, and the tfjs side.

The tfjs side is scripts/twin-parity.mjs (src/twin/parity.ts) run with Node:
one process per call, answering a list of jobs, so each test module starts
Node once.
"""

import json
import os
import subprocess
import sys
import tempfile

import pytest
import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))


def config(**fields):
    """A small config: 5×4 gray, 4 levels, PixelCNN; `fields` change it."""
    base = {
        "architecture": "pixelcnn",
        "height": 5,
        "width": 4,
        "colorChannels": 1,
        "levels": 4,
        "hiddenChannels": 6,
        "layers": 3,
        "firstKernelSize": 5,
        "kernelSize": 3,
        "headChannels": 0,
        "inputEmbedding": 0,
        "position": False,
        "classes": 0,
    }
    base.update(fields)
    return base


def run_tfjs(jobs, timeout=300):
    """Runs jobs on the tfjs side; returns its answers, in order."""
    with tempfile.TemporaryDirectory() as directory:
        jobs_file = os.path.join(directory, "jobs.json")
        answers_file = os.path.join(directory, "answers.json")
        with open(jobs_file, "w", encoding="utf-8") as handle:
            json.dump(jobs, handle)
        result = subprocess.run(
            ["node", os.path.join(ROOT, "scripts", "twin-parity.mjs"), jobs_file, answers_file],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"scripts/twin-parity.mjs failed ({result.returncode}):\n{result.stderr}")
        with open(answers_file, "r", encoding="utf-8") as handle:
            return json.load(handle)["answers"]


def check_answer(answer):
    """The answer of a job that succeeded; fails the test with the tfjs side's error otherwise."""
    if not answer["ok"]:
        pytest.fail(f"tfjs side failed: {answer.get('error')}")
    return answer


@pytest.fixture(scope="session")
def root():
    return ROOT


def randomise(model, seed, scale=0.4):
    """Every variable random (masked taps too: the forward pass masks them): nothing starts at a value that hides a mistake."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name in model.names:
            p = model.params[name]
            # Small biases, so ReLUs are not switched off wholesale.
            p.copy_(torch.randn(p.shape, generator=generator) * (scale / 4 if name.endswith("/bias") else scale))


def batch_for(cfg, seed, count=3):
    """Random levels [count, H, W, C] and, for a conditional config, labels [count]."""
    generator = torch.Generator().manual_seed(seed)
    images = torch.randint(0, cfg["levels"], (count, cfg["height"], cfg["width"], cfg["colorChannels"]), generator=generator)
    labels = torch.randint(0, cfg["classes"], (count,), generator=generator) if cfg["classes"] > 0 else None
    return images, labels


def batch_job(images, labels):
    """A batch as the tfjs side takes it."""
    job = {"images": images.flatten().tolist(), "shape": list(images.shape)}
    if labels is not None:
        job["labels"] = labels.tolist()
    return job
