"""Adam steps from the same weights on the same batches give the same weights in tfjs and in the twin, to 1e-4.

Adam's first step moves every weight by about lr · sign(gradient), so one
step checks the gradient's signs; the three-step case also checks their
sizes (the second and third steps divide by the running second moment).
"""

import os

import numpy as np
import pytest
import torch

from conftest import batch_for, batch_job, check_answer, config, randomise, run_tfjs
from pixelcnn_studio import TwinModel, read_model, write_model
from pixelcnn_studio.adam import TfjsAdam

LEARNING_RATE = 1e-3

CASES = {
    "pixelcnn gray, embedding, head, position, classes": config(inputEmbedding=3, headChannels=4, position=True, classes=3),
    "pixelcnn RGB, scaled levels": config(colorChannels=3, headChannels=6),
    "gated gray, embedding, head, position, classes": config(
        architecture="gated", inputEmbedding=3, headChannels=4, position=True, classes=3
    ),
    "gated RGB, embedding, position, classes": config(
        architecture="gated", colorChannels=3, inputEmbedding=2, position=True, classes=2
    ),
}
STEPS = (1, 3)


def twin_steps(model, batches):
    optimizer = TfjsAdam(model.parameter_list(), lr=LEARNING_RATE)
    bits = []
    for images, labels in batches:
        optimizer.zero_grad()
        loss = model.bits_per_dim(images, labels)
        loss.backward()
        optimizer.step()
        bits.append(float(loss))
    return bits


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    directory = tmp_path_factory.mktemp("adam")
    jobs, expected = [], {}
    for i, (name, cfg) in enumerate(CASES.items()):
        for steps in STEPS:
            model = TwinModel(cfg, seed=i + 1)
            randomise(model, 300 + i, scale=0.3)
            start = os.path.join(directory, f"start{i}-{steps}.json")
            write_model(model, start)
            batches = [batch_for(cfg, 400 + 10 * i + s, count=4) for s in range(steps)]
            bits = twin_steps(model, batches)
            expected[(name, steps)] = (model, bits)
            out = os.path.join(directory, f"after{i}-{steps}.json")
            jobs.append(
                {
                    "op": "adamSteps",
                    "model": start,
                    "learningRate": LEARNING_RATE,
                    "out": out,
                    "batches": [batch_job(images, labels) for images, labels in batches],
                }
            )
    answers = run_tfjs(jobs)
    return dict(zip(expected, answers)), expected, [job["out"] for job in jobs]


@pytest.mark.parametrize("steps", STEPS)
@pytest.mark.parametrize("name", list(CASES))
def test_same_weights_after_adam(results, name, steps):
    answers, expected, outs = results
    answer = check_answer(answers[(name, steps)])
    model, bits = expected[(name, steps)]
    assert np.allclose(answer["bits"], bits, atol=1e-4), f"bits/dim per step: tfjs {answer['bits']}, twin {bits}"
    out = outs[list(expected).index((name, steps))]
    after, _ = read_model(out)
    start, _ = read_model(out.replace("after", "start"))
    worst, worst_name, moved = 0.0, None, 0.0
    for variable in model.names:
        theirs = after.params[variable].detach()
        ours = model.masked_value(variable)
        difference = float((theirs - ours).abs().max())
        if difference > worst:
            worst, worst_name = difference, variable
        moved = max(moved, float((ours - start.masked_value(variable)).abs().max()))
    assert worst < 1e-4, f"{name}, {steps} step(s): {worst_name} differs by {worst:.3g}"
    assert moved > LEARNING_RATE / 2, "the steps did not move the weights"


def test_masked_taps_stay_zero_through_training():
    """The mask is applied inside the forward pass: masked taps get zero gradient and Adam never moves them."""
    cfg = config(architecture="gated", colorChannels=3, inputEmbedding=2, headChannels=6, position=True, classes=2)
    model = TwinModel(cfg, seed=5)
    optimizer = TfjsAdam(model.parameter_list(), lr=0.05)
    for s in range(5):
        images, labels = batch_for(cfg, 500 + s, count=4)
        optimizer.zero_grad()
        model.bits_per_dim(images, labels).backward()
        optimizer.step()
    for layer in model._masks:
        weight = model.params[f"{layer}/weight"].detach()
        closed = model.mask(layer) == 0
        assert float(weight[closed].abs().sum()) == 0.0, f"{layer}: a masked tap moved"
        assert float(weight[~closed].abs().max()) > 0, f"{layer}: no open tap is non-zero"
