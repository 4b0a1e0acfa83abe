"""The twin's sampler draws the same images as the app's reference sampler: same dice, same order, same logits."""

import os

import numpy as np
import pytest

from conftest import check_answer, config, randomise, run_tfjs
from pixelcnn_studio import TwinModel, write_model
from pixelcnn_studio.sample import sample

CASES = {
    "pixelcnn RGB, embedding, position": config(colorChannels=3, inputEmbedding=2, headChannels=6, position=True),
    "gated gray, classes": config(architecture="gated", inputEmbedding=2, position=True, classes=3),
}
COUNT = 4


@pytest.mark.parametrize("name", list(CASES))
def test_same_samples(tmp_path, name):
    cfg = CASES[name]
    model = TwinModel(cfg, seed=3)
    randomise(model, 21, scale=0.5)
    path = os.path.join(tmp_path, "model.json")
    write_model(model, path)
    labels = [n % cfg["classes"] for n in range(COUNT)] if cfg["classes"] else None
    ours = sample(model, COUNT, seed=7, temperature=1.0, labels=labels)
    job = {"op": "sample", "model": path, "count": COUNT, "seed": 7, "temperature": 1.0}
    if labels:
        job["labels"] = labels
    answer = check_answer(run_tfjs([job])[0])
    theirs = np.array(answer["pixels"]).reshape(ours.shape)
    assert (theirs == ours).all(), f"{name}: {int((theirs != ours).sum())} sub-pixels differ"
    assert len(np.unique(ours)) > 1, "every sub-pixel drew the same level"
