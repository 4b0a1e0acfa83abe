"""The same model file gives the same logits in tfjs (wasm) and in the twin, to 1e-4."""

import base64
import os

import numpy as np
import pytest
import torch

from conftest import batch_for, batch_job, check_answer, config, randomise, run_tfjs
from pixelcnn_studio import TwinModel, write_model

CASES = {
    "pixelcnn gray": config(),
    "pixelcnn gray, embedding, head": config(inputEmbedding=3, headChannels=4),
    "pixelcnn RGB, embedding, head": config(colorChannels=3, hiddenChannels=6, headChannels=9, inputEmbedding=2),
    "pixelcnn RGB, scaled levels, 1 layer": config(colorChannels=3, layers=1, firstKernelSize=3),
    "pixelcnn gray, position, classes, 7 then 3": config(
        position=True, classes=3, inputEmbedding=2, headChannels=4, firstKernelSize=7
    ),
    "pixelcnn RGB, position, classes": config(colorChannels=3, position=True, classes=2, headChannels=6, inputEmbedding=2),
    "gated gray": config(architecture="gated", layers=3, firstKernelSize=5, kernelSize=3),
    "gated gray, embedding, head, position, classes": config(
        architecture="gated", inputEmbedding=3, headChannels=4, position=True, classes=3, firstKernelSize=7
    ),
    "gated RGB, embedding, head, position, classes": config(
        architecture="gated", colorChannels=3, hiddenChannels=6, headChannels=9, inputEmbedding=2, position=True, classes=2
    ),
    "gated RGB, scaled levels, 1 layer": config(architecture="gated", colorChannels=3, layers=1, firstKernelSize=3),
}


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    directory = tmp_path_factory.mktemp("logits")
    jobs, expected = [], {}
    for i, (name, cfg) in enumerate(CASES.items()):
        model = TwinModel(cfg, seed=i + 1)
        randomise(model, 100 + i)
        path = os.path.join(directory, f"model{i}.json")
        write_model(model, path)
        images, labels = batch_for(cfg, 200 + i)
        with torch.no_grad():
            expected[name] = model(images, labels).numpy()
        jobs.append({"op": "logits", "model": path, **batch_job(images, labels)})
    got = dict(zip(CASES, run_tfjs(jobs)))
    return got, expected


@pytest.mark.parametrize("name", list(CASES))
def test_same_logits(answers, name):
    got, expected = answers
    answer = check_answer(got[name])
    logits = np.frombuffer(base64.b64decode(answer["logits"]), dtype="<f4").reshape(answer["shape"])
    assert logits.shape == expected[name].shape
    difference = np.abs(logits - expected[name]).max()
    assert difference < 1e-4, f"{name}: logits differ by up to {difference:.3g}"
    # Not vacuous: the logits vary across positions and levels.
    assert expected[name].std() > 0.1
