"""Two processes under torchrun (gloo, CPU, DistributedDataParallel), each taking a share of every batch,
train as one process does on the same global batch: the same loss curve to 1e-4 after 10 steps."""

import json
import os
import subprocess
import sys

import pytest
import torch

from conftest import ROOT
from pixelcnn_studio import read_model

DATA = os.path.join(ROOT, "public", "data", "mnist-28x28.bin")
pytestmark = pytest.mark.skipif(
    not os.path.exists(DATA) or not torch.distributed.is_available() or not torch.distributed.is_gloo_available(),
    reason="needs the prepared digits and torch.distributed with gloo",
)

SETTINGS = {
    "config": {
        "architecture": "gated",
        "height": 28,
        "width": 28,
        "colorChannels": 1,
        "levels": 256,
        "hiddenChannels": 6,
        "layers": 2,
        "firstKernelSize": 3,
        "kernelSize": 3,
        "headChannels": 4,
        "inputEmbedding": 2,
        "position": True,
        "classes": 10,
    },
    "seed": 11,
    "steps": 10,
    # Odd, so the two shares differ (3 and 2 images) and their weighting is tested too.
    "batchSize": 5,
    "peakLearningRate": 1e-2,
    "finalLearningRate": 1e-3,
    "warmupSteps": 3,
}


def run(tmp_path, launcher, name):
    out = os.path.join(tmp_path, f"{name}.json")
    arguments = [
        "-m", "pixelcnn_studio.train",
        "--settings", json.dumps(SETTINGS),
        "--root", ROOT,
        "--out", out,
        "--threads", "1",
        "--device", "cpu",
        "--train-images", "100",
        "--test-images", "10",
        "--estimate-every", "1000",
        "--events",
    ]
    env = {**os.environ, "PYTHONPATH": os.path.join(ROOT, "python"), "OMP_WAIT_POLICY": "PASSIVE"}
    result = subprocess.run([sys.executable, *launcher, *arguments], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    # torchrun prefixes each line of a rank's output with its name ("[default0]:"); rank 0 alone reports.
    events = [json.loads(line[line.index("{") :]) for line in result.stdout.splitlines() if "{" in line]
    curve = [event["batchBits"] for event in events if event["event"] == "progress"]
    start = next(event for event in events if event["event"] == "start")
    return curve, out, start


def test_two_processes_follow_the_single_process_loss_curve(tmp_path):
    single, single_out, single_start = run(tmp_path, [], "single")
    # --redirects 1 --tee 1: torch 1.13's torchrun cannot parse its own defaults under Python 3.11 (an enum
    # change), and these values parse; they copy each rank's stdout to a log file as well as to the console.
    torchrun = ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "--redirects", "1", "--tee", "1"]
    torchrun += ["--log_dir", os.path.join(tmp_path, "torchrun-logs")]
    double, double_out, double_start = run(tmp_path, torchrun, "double")
    assert "2 processes" in double_start["engine"] and "processes" not in single_start["engine"]
    assert len(single) == len(double) == 10
    worst = max(abs(a - b) for a, b in zip(single, double))
    assert worst < 1e-4, f"loss curves differ by up to {worst:.3g}:\n{single}\n{double}"
    assert single[-1] < single[0], "the loss did not fall"
    a, _ = read_model(single_out)
    b, _ = read_model(double_out)
    for name in a.names:
        assert torch.allclose(a.params[name], b.params[name], atol=1e-4), name
