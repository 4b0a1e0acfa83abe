"""Training with the twin: a model it trains, read by the app, scores what the twin wrote down;
a stopped run resumes to exactly where an uninterrupted one gets."""

import json
import os
import subprocess
import sys

import pytest
import torch

from conftest import ROOT, check_answer, run_tfjs
from pixelcnn_studio import read_model

DATA = os.path.join(ROOT, "public", "data", "mnist-28x28.bin")
pytestmark = pytest.mark.skipif(not os.path.exists(DATA), reason="run npm run prepare-data")


def settings(**config):
    base = {
        "architecture": "gated",
        "height": 28,
        "width": 28,
        "colorChannels": 1,
        "levels": 256,
        "hiddenChannels": 6,
        "layers": 2,
        "firstKernelSize": 3,
        "kernelSize": 3,
        "headChannels": 0,
        "inputEmbedding": 2,
        "position": True,
        "classes": 10,
    }
    base.update(config)
    return {
        "config": base,
        "seed": 5,
        "steps": 8,
        "batchSize": 4,
        "peakLearningRate": 1e-2,
        "finalLearningRate": 1e-3,
        "warmupSteps": 2,
    }


def train(tmp_path, run_settings, *extra, name="model.json"):
    out = os.path.join(tmp_path, name)
    command = [
        sys.executable, "-m", "pixelcnn_studio.train",
        "--settings", json.dumps(run_settings),
        "--root", ROOT,
        "--out", out,
        "--threads", "1",
        "--train-images", "64",
        "--test-images", "24",
        "--estimate-every", "4",
        "--estimate-images", "8",
        *extra,
    ]
    env = {**os.environ, "PYTHONPATH": os.path.join(ROOT, "python")}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    return result, out


@pytest.mark.parametrize(
    "name, config",
    [("gated, position, classes", {}), ("pixelcnn, head", {"architecture": "pixelcnn", "headChannels": 4, "position": False, "classes": 0})],
)
def test_twin_trained_model_scores_the_same_in_the_app(tmp_path, name, config):
    result, out = train(tmp_path, settings(**config))
    assert result.returncode == 0, result.stderr
    model, meta = read_model(out)
    assert meta["steps"] == 8 and meta["engine"] == "torch" and meta["heldOutImages"] == 24
    answer = check_answer(run_tfjs([{"op": "heldOut", "model": out, "images": 24}])[0])
    assert answer["images"] == 24
    assert abs(answer["bits"] - meta["heldOutBitsPerDim"]) < 0.01, f"app {answer['bits']}, twin {meta['heldOutBitsPerDim']}"
    assert meta["heldOutBitsPerDim"] < 7.9, "the training did not lower the loss"


def test_a_stopped_run_resumes_exactly(tmp_path):
    run_settings = settings()
    checkpoint = os.path.join(tmp_path, "checkpoint.pt")
    first, _ = train(tmp_path, run_settings, "--checkpoint", checkpoint, "--stop-after", "3", name="resumed.json")
    assert first.returncode == 130, first.stderr
    second, resumed = train(tmp_path, run_settings, "--checkpoint", checkpoint, name="resumed.json")
    assert second.returncode == 0, second.stderr
    straight, direct = train(tmp_path, run_settings, name="direct.json")
    assert straight.returncode == 0, straight.stderr
    a, _ = read_model(resumed)
    b, _ = read_model(direct)
    for variable in a.names:
        assert torch.allclose(a.params[variable], b.params[variable], atol=1e-6), variable


def test_changed_settings_refuse_to_resume(tmp_path):
    checkpoint = os.path.join(tmp_path, "checkpoint.pt")
    first, _ = train(tmp_path, settings(), "--checkpoint", checkpoint, "--stop-after", "2")
    assert first.returncode == 130, first.stderr
    changed = settings()
    changed["peakLearningRate"] = 2e-2
    second, _ = train(tmp_path, changed, "--checkpoint", checkpoint)
    assert second.returncode == 1
    assert "peakLearningRate is 0.01 in the checkpoint but 0.02 now" in second.stderr
