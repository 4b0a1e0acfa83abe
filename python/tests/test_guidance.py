"""Classifier-free guidance in the twin's sampler (python/pixelcnn_studio/sample.py):
w = 1 is the plain conditional sampler, w = 0 the sampler with every label "no class",
and any other w draws from logits_u + w·(logits_c − logits_u), checked against a
sampler written here from whole-image passes."""

import os

import numpy as np
import pytest
import torch

from conftest import config, randomise
from pixelcnn_studio import TwinModel, read_model, write_model
from pixelcnn_studio.sample import main as sample_main
from pixelcnn_studio.sample import guidance_at_row, mix_guided, sample, sample_categorical
from pixelcnn_studio.schedule import mulberry32

CASES = {
    "pixelcnn RGB, head, position": config(
        colorChannels=3, hiddenChannels=6, inputEmbedding=2, headChannels=6, position=True, classes=3, labelDropout=0.2
    ),
    "gated gray, position": config(architecture="gated", inputEmbedding=2, position=True, classes=3, labelDropout=0.2),
}
COUNT = 4
LABELS = [0, 1, 2, 1]


def model_for(name):
    model = TwinModel(CASES[name], seed=3)
    randomise(model, 21, scale=0.6)
    return model


def run(model, guidance, labels=LABELS, temperature=1.0):
    """The sampler's images and, per sub-pixel, the logits it drew from."""
    logits = []
    images = sample(
        model, COUNT, seed=7, temperature=temperature, labels=labels, guidance=guidance,
        on_sub_pixel=lambda index, values, drawn_from: logits.append(np.array(drawn_from)),
    )
    return images, np.stack(logits)


@torch.no_grad()
def reference(model, guidance, labels=LABELS, temperature=1.0):
    """The same dice, with each sub-pixel's logits from a whole-image pass (given the label, and given "no class")."""
    cfg = model.config
    H, W, C, L = cfg["height"], cfg["width"], cfg["colorChannels"], cfg["levels"]
    pixels = torch.zeros(COUNT, H, W, C, dtype=torch.long)
    asked = torch.tensor(labels)
    none = torch.full((COUNT,), model.no_class)
    random = mulberry32(7)
    drawn_from = []
    for index in range(H * W * C):
        row, col, channel = index // (W * C), (index // C) % W, index % C
        c = model(pixels, asked)[:, row, col, channel].numpy()
        u = model(pixels, none)[:, row, col, channel].numpy()
        logits = c if guidance == 1 else u if guidance == 0 else mix_guided(c, u, guidance_at_row(guidance, row, H))
        uniforms = np.array([random() for _ in range(COUNT)])
        drawn = sample_categorical(logits.astype(np.float64), temperature, uniforms)
        pixels[:, row, col, channel] = torch.from_numpy(drawn)
        drawn_from.append(logits)
    return pixels.numpy().astype(np.uint8), np.stack(drawn_from)


@pytest.mark.parametrize("name", list(CASES))
def test_guidance_1_is_the_plain_conditional_sampler_and_0_the_no_class_one(name):
    model = model_for(name)
    plain, plain_logits = run(model, 1.0)
    assert np.array_equal(sample(model, COUNT, seed=7, labels=LABELS), plain), "the default is not w = 1"
    ref, ref_logits = reference(model, 1)
    assert np.array_equal(plain, ref)
    assert np.abs(plain_logits - ref_logits).max() < 1e-5

    unconditional, unconditional_logits = run(model, 0.0)
    no_class, no_class_logits = run(model, 1.0, labels=[model.no_class] * COUNT)
    assert np.array_equal(unconditional, no_class)
    assert np.array_equal(unconditional_logits, no_class_logits), "w = 0 must be exactly the no-class logits"
    ref, ref_logits = reference(model, 0)
    assert np.array_equal(unconditional, ref)
    assert np.abs(unconditional_logits - ref_logits).max() < 1e-5
    # The label matters, so the checks above could fail.
    assert not np.array_equal(plain, unconditional), "the no-class row draws what the labels draw"


@pytest.mark.parametrize("name", list(CASES))
def test_guided_draws_from_the_mixed_logits(name):
    model = model_for(name)
    for w in (3.0, 0.5):
        guided, guided_logits = run(model, w)
        ref, ref_logits = reference(model, w)
        assert np.array_equal(guided, ref), f"w = {w}: {int((guided != ref).sum())} sub-pixels differ"
        assert np.abs(guided_logits - ref_logits).max() < 1e-4, f"w = {w}"
        assert guided_logits.dtype == np.float32
    plain, plain_logits = run(model, 1.0)
    guided, guided_logits = run(model, 3.0)
    assert not np.array_equal(plain, guided), "w = 3 draws what w = 1 draws"
    # Greedy sampling is deterministic in the logits alone: still guided.
    greedy, greedy_logits = run(model, 3.0, temperature=0)
    assert np.array_equal(greedy, reference(model, 3.0, temperature=0)[0])
    assert np.array_equal(greedy.reshape(COUNT, -1), greedy_logits.argmax(axis=2).T)


def test_mixing_is_the_apps_arithmetic():
    """float64 arithmetic on the float32 logits, rounded once: u + w·(c − u)."""
    c = np.array([[1.5, -2.25, 0.1]], dtype=np.float32)
    u = np.array([[0.5, 0.75, 0.3]], dtype=np.float32)
    mixed = mix_guided(c, u, 3.0)
    assert mixed.dtype == np.float32
    expected = [np.float32(float(b) + 3.0 * (float(a) - float(b))) for a, b in zip(c[0], u[0])]
    assert mixed[0].tolist() == expected
    assert mixed[0].tolist()[:2] == [3.5, -8.25]
    assert np.array_equal(mix_guided(c, u, 1.0), c) and np.array_equal(mix_guided(c, u, 0.0), u)


def test_guidance_is_refused_without_a_no_class_row(tmp_path, capsys):
    plain_conditional = TwinModel(config(classes=3), seed=1)
    assert sample(plain_conditional, 2, labels=[0, 1], guidance=1).shape == (2, 5, 4, 1)
    for w in (0, 2):
        with pytest.raises(ValueError, match=r'trained with label dropout \(a "no class" row\); this one has none'):
            sample(plain_conditional, 2, labels=[0, 1], guidance=w)
    with pytest.raises(ValueError, match="label 3 is not a class of this model"):
        sample(plain_conditional, 2, labels=[0, 3])
    with pytest.raises(ValueError, match="unconditional"):
        sample(TwinModel(config(), seed=1), 2, guidance=2)
    with pytest.raises(ValueError, match="at least 0"):
        sample(model_for("gated gray, position"), 2, labels=[0, 1], guidance=-1)
    with pytest.raises(ValueError, match="label 4 is not a class of this model \\(0 to 2, or 3 for no class\\)"):
        sample(model_for("gated gray, position"), 2, labels=[0, 4])
    path = os.path.join(tmp_path, "model.json")
    write_model(plain_conditional, path)
    out = os.path.join(tmp_path, "levels.bin")
    assert sample_main(["--model", path, "--count", "2", "--labels", "0,1", "--guidance", "2", "--out", out]) == 1
    assert "label dropout" in capsys.readouterr().err
    assert not os.path.exists(out)


def test_the_guidance_flag(tmp_path):
    model = model_for("gated gray, position")
    path = os.path.join(tmp_path, "model.json")
    write_model(model, path)
    out = os.path.join(tmp_path, "levels.bin")
    assert sample_main(["--model", path, "--count", "4", "--labels", "0,1,2,1", "--seed", "7", "--guidance", "3", "--out", out]) == 0
    again, _ = read_model(path)
    expected = sample(again, COUNT, seed=7, labels=LABELS, guidance=3)
    assert np.array_equal(np.fromfile(out, dtype=np.uint8).reshape(expected.shape), expected)


def test_guidance_fades_to_1_over_the_bottom_rows_as_the_app_fades_it():
    # 28 rows: the full weight to row 20 (75% of 27), 1 from row 26 (95%), linear between; weights at or below 1 never fade.
    assert guidance_at_row(3.0, 0, 28) == 3.0 and guidance_at_row(3.0, 20, 28) == 3.0
    assert guidance_at_row(3.0, 21, 28) == pytest.approx(1 + 2 * (0.95 - 21 / 27) / 0.2, abs=1e-12)
    assert guidance_at_row(3.0, 26, 28) == 1.0 and guidance_at_row(3.0, 27, 28) == 1.0
    assert all(guidance_at_row(w, r, 28) == w for w in (0.0, 0.5, 1.0) for r in (0, 27))
    assert guidance_at_row(4.0, 0, 1) == 4.0
