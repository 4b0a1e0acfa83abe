"""The twin's sampler draws the same images as the app's reference sampler: same dice, same order, same logits."""

import os

import numpy as np
import pytest

from conftest import check_answer, config, randomise, run_tfjs
from pixelcnn_studio import TwinModel, write_model
from pixelcnn_studio.modelfile import decode_float32
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


# ---- classifier-free guidance: models with a "no class" row, at w = 0, 1 and 3 ----

GUIDED_CASES = {
    "gated gray, position, no-class row": config(architecture="gated", inputEmbedding=2, position=True, classes=3, labelDropout=0.2),
    "pixelcnn RGB, head, position, no-class row": config(
        colorChannels=3, hiddenChannels=6, inputEmbedding=2, headChannels=6, position=True, classes=3, labelDropout=0.2
    ),
}
WEIGHTS = (0.0, 1.0, 3.0)


@pytest.mark.parametrize("name", list(GUIDED_CASES))
def test_same_guided_samples(tmp_path, name):
    """
    The app's reference sampler and the twin's draw the same images from the same logits (to 1e-4) at every
    weight; the incremental sampler and (gated) the tfjs-free file sampler draw the same images at w = 3.
    """
    cfg = GUIDED_CASES[name]
    model = TwinModel(cfg, seed=3)
    randomise(model, 21, scale=0.5)
    path = os.path.join(tmp_path, "model.json")
    write_model(model, path)
    labels = [n % cfg["classes"] for n in range(COUNT)]
    base = {"op": "sample", "model": path, "count": COUNT, "seed": 7, "temperature": 1.0, "labels": labels}
    jobs = [{**base, "guidance": w, "logits": True} for w in WEIGHTS]
    samplers = ["incremental", "file"] if cfg["architecture"] == "gated" else ["incremental"]
    jobs += [{**base, "guidance": 3.0, "sampler": sampler} for sampler in samplers]
    answers = [check_answer(answer) for answer in run_tfjs(jobs)]
    L = cfg["levels"]
    images = {}
    for w, answer in zip(WEIGHTS, answers):
        drawn_from = []
        ours = sample(
            model, COUNT, seed=7, temperature=1.0, labels=labels, guidance=w,
            on_sub_pixel=lambda index, values, logits: drawn_from.append(np.array(logits)),
        )
        theirs = np.array(answer["pixels"]).reshape(ours.shape)
        assert (theirs == ours).all(), f"{name}, w = {w}: {int((theirs != ours).sum())} sub-pixels differ"
        their_logits = decode_float32(answer["logits"], "logits").reshape(len(drawn_from), COUNT, L)
        difference = float(np.abs(their_logits - np.stack(drawn_from)).max())
        assert difference < 1e-4, f"{name}, w = {w}: logits differ by {difference}"
        images[w] = ours
    assert not np.array_equal(images[0.0], images[1.0]) and not np.array_equal(images[1.0], images[3.0]), (
        "the weight changed nothing: the comparison would pass vacuously"
    )
    for sampler, answer in zip(samplers, answers[len(WEIGHTS) :]):
        theirs = np.array(answer["pixels"]).reshape(images[3.0].shape)
        assert (theirs == images[3.0]).all(), f"{name}, {sampler} sampler at w = 3: {int((theirs != images[3.0]).sum())} differ"


def test_the_app_refuses_guidance_without_a_no_class_row(tmp_path):
    cfg = CASES["gated gray, classes"]
    model = TwinModel(cfg, seed=3)
    path = os.path.join(tmp_path, "model.json")
    write_model(model, path)
    answer = run_tfjs([{"op": "sample", "model": path, "count": 2, "seed": 7, "temperature": 1.0, "labels": [0, 1], "guidance": 3}])[0]
    assert not answer["ok"] and "label dropout" in answer["error"]
    with pytest.raises(ValueError, match="label dropout"):
        sample(model, 2, labels=[0, 1], guidance=3)
