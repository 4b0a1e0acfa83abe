"""The twin is autoregressive, checked by perturbation (its own copy of src/model/causality.test.ts's idea):
change one sub-pixel of an image and see which logits move. A sub-pixel's logits may depend only on
sub-pixels before it in generation order (row, column, then R, G, B). Mutated masks must be caught.
"""

import pytest
import torch

import pixelcnn_studio.model as twin_model
from conftest import batch_for, config, randomise
from pixelcnn_studio import TwinModel
from pixelcnn_studio.adam import TfjsAdam
from pixelcnn_studio.masks import build_mask
from pixelcnn_studio.schedule import dropped_labels


@torch.no_grad()
def dependencies(model, seed=0, label=None):
    """
    depends[o, i]: whether the logits of sub-pixel o change when sub-pixel i does (generation order).
    `label` conditions a conditional model on that label (the "no class" label too) instead of a random class.
    """
    cfg = model.config
    H, W, C, L = cfg["height"], cfg["width"], cfg["colorChannels"], cfg["levels"]
    n = H * W * C
    base, labels = batch_for(cfg, seed, count=1)
    if label is not None:
        labels = torch.tensor([label])
    images = base.repeat(n + 1, 1, 1, 1)
    flat = images.view(n + 1, n)
    for i in range(n):
        flat[i + 1, i] = (flat[i + 1, i] + 1 + i % (L - 1)) % L
    if labels is not None:
        labels = labels.repeat(n + 1)
    logits = model(images, labels).reshape(n + 1, n, L)
    moved = (logits[1:] - logits[:1]).abs().amax(dim=2) > 1e-5  # [input i, output o]
    return moved.t()


def leaks(depends):
    n = depends.shape[0]
    return [(o, i) for o in range(n) for i in range(o, n) if depends[o, i]]


def orphans(depends):
    """Sub-pixels after the first that depend on nothing earlier: a test on them would pass vacuously."""
    return [o for o in range(1, depends.shape[0]) if not depends[o, :o].any()]


CASES = {
    "pixelcnn gray": config(),
    "pixelcnn RGB, embedding, head, position, classes": config(
        colorChannels=3, hiddenChannels=12, inputEmbedding=2, headChannels=6, position=True, classes=2
    ),
    "gated gray, embedding, position, classes": config(architecture="gated", inputEmbedding=2, position=True, classes=3),
    "gated RGB, embedding, head": config(architecture="gated", colorChannels=3, inputEmbedding=2, headChannels=6),
    "gated RGB, 1 layer, scaled levels": config(architecture="gated", colorChannels=3, layers=1, firstKernelSize=3),
}

#: Conditional models trained with label dropout: every class table has a "no class" row (label = classes).
#: The RGB heads are 12 wide (4 units per colour group), so random class biases rarely switch off every path
#: from a sub-pixel to the one after it (which the orphan check would report).
NO_CLASS_CASES = {
    "pixelcnn gray, position, no-class row": config(position=True, classes=2, labelDropout=0.2),
    "pixelcnn RGB, embedding, head, position, no-class row": config(
        colorChannels=3, hiddenChannels=12, inputEmbedding=2, headChannels=12, position=True, classes=2, labelDropout=0.2
    ),
    "gated gray, embedding, position, no-class row": config(
        architecture="gated", inputEmbedding=2, position=True, classes=3, labelDropout=0.15
    ),
    "gated RGB, embedding, head, no-class row": config(
        architecture="gated", colorChannels=3, inputEmbedding=2, headChannels=12, classes=2, labelDropout=0.3
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_autoregressive_at_random_weights_and_after_training(name):
    cfg = CASES[name]
    model = TwinModel(cfg, seed=2)
    randomise(model, 7, scale=0.5)
    depends = dependencies(model)
    assert leaks(depends) == []
    assert orphans(depends) == []
    optimizer = TfjsAdam(model.parameter_list(), lr=0.01)
    for step in range(3):
        images, labels = batch_for(cfg, 50 + step, count=4)
        optimizer.zero_grad()
        model.bits_per_dim(images, labels).backward()
        optimizer.step()
    # Training may switch units off (fewer dependencies), never open a path to the future.
    assert leaks(dependencies(model, seed=1)) == []


@pytest.mark.parametrize("name", list(NO_CLASS_CASES))
def test_autoregressive_with_the_no_class_row(name):
    """With the "no class" label and with a class label, before and after training on dropped labels."""
    cfg = NO_CLASS_CASES[name]
    model = TwinModel(cfg, seed=2)
    no_class = model.no_class
    assert no_class == cfg["classes"]
    assert all(model.params[n].shape[0] == cfg["classes"] + 1 for n in model.names if n.endswith("/class"))
    randomise(model, 7, scale=0.5)
    for label in (no_class, 0):
        depends = dependencies(model, label=label)
        assert leaks(depends) == [], f"label {label}"
        assert orphans(depends) == [], f"label {label}"
    optimizer = TfjsAdam(model.parameter_list(), lr=0.01)
    for step in range(3):
        images, _ = batch_for(cfg, 50 + step, count=4)
        labels = dropped_labels([n % cfg["classes"] for n in range(4)], 0.5, 11, step, no_class)
        optimizer.zero_grad()
        model.bits_per_dim(images, torch.tensor(labels)).backward()
        optimizer.step()
    for label in (no_class, 1):
        assert leaks(dependencies(model, seed=1, label=label)) == [], f"label {label} after training"


@pytest.mark.parametrize("name", list(NO_CLASS_CASES))
def test_a_leak_is_caught_with_the_no_class_label(monkeypatch, name):
    """Mask B on the first layer (the current sub-pixel sees itself): the check above must fail with "no class" too."""
    monkeypatch.setattr(
        twin_model, "build_mask", mutated_masks(lambda t, region, k: ("B", region) if t == "A" else (t, region))
    )
    model = TwinModel(NO_CLASS_CASES[name], seed=2)
    randomise(model, 7, scale=0.5)
    assert leaks(dependencies(model, label=model.no_class)) != []


def test_gated_has_no_blind_spot_and_pixelcnn_has_one():
    """
    Pixel (3, 6) is up and four columns to the right of (4, 2). Three gated layers (5×5, then 3×3)
    reach it through the vertical stack; three stacked causal layers reach only two columns right in
    the row above (the blind spot).
    """
    shape = dict(height=5, width=7, layers=3, firstKernelSize=5, kernelSize=3, inputEmbedding=2)
    output, target = 4 * 7 + 2, 3 * 7 + 6
    gated = TwinModel(config(architecture="gated", **shape), seed=1)
    randomise(gated, 3)
    assert bool(dependencies(gated)[output, target])
    pixelcnn = TwinModel(config(**shape), seed=1)
    randomise(pixelcnn, 3)
    depends = dependencies(pixelcnn)
    assert not bool(depends[output, target])
    assert bool(depends[output, 3 * 7 + 4]), "the PixelCNN should still see two columns right in the row above"


def test_row_at_a_time_logits_equal_the_full_pass():
    """The sampler's row_logits computes what logits_nchw does, row by row."""
    for cfg in (CASES["pixelcnn RGB, embedding, head, position, classes"], CASES["gated gray, embedding, position, classes"]):
        model = TwinModel(cfg, seed=4)
        randomise(model, 9)
        images, labels = batch_for(cfg, 3, count=2)
        with torch.no_grad():
            full = model.logits_nchw(images, labels)
            state = {"x": model.network_input(images)}
            for r in range(cfg["height"]):
                assert float((model.row_logits(state, r, labels)[:, :, 0] - full[:, :, r]).abs().max()) < 1e-5


# ---- mutations: each breaks causality in one way, and the test above must see it ----


def mutated_masks(change):
    """build_mask with `change(type, region, k)` deciding the (type, region) actually built, or 'open' for all ones."""

    def build(mask_type, region, k, cin, cout, colors):
        result = change(mask_type, region, k)
        if result == "open":
            return torch.ones(k, k, cin, cout)
        mask_type, region = result
        return build_mask(mask_type, region, k, cin, cout, colors)

    return build


MUTATIONS = {
    "vertical stack not shifted (the first layer sees its own row)": (
        "gated gray, embedding, position, classes",
        lambda t, region, k: ("B", region) if (t, region) == ("A", "vertical") else (t, region),
    ),
    "mask B on the PixelCNN's first layer": (
        "pixelcnn gray",
        lambda t, region, k: ("B", region) if (t, region) == ("A", "causal") else (t, region),
    ),
    "mask B on the horizontal stack's first layer": (
        "gated gray, embedding, position, classes",
        lambda t, region, k: ("B", region) if (t, region) == ("A", "horizontal") else (t, region),
    ),
    "1×1 layers open to every colour group": (
        "gated RGB, embedding, head",
        lambda t, region, k: "open" if k == 1 else (t, region),
    ),
    "PixelCNN's later layers see the centre row to the right": (
        "pixelcnn RGB, embedding, head, position, classes",
        lambda t, region, k: ("B", "vertical") if (t, region, k) == ("B", "causal", 3) else (t, region),
    ),
}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_mutation_is_caught(monkeypatch, mutation):
    case, change = MUTATIONS[mutation]
    monkeypatch.setattr(twin_model, "build_mask", mutated_masks(change))
    model = TwinModel(CASES[case], seed=2)
    randomise(model, 7, scale=0.5)
    assert leaks(dependencies(model)) != [], f"the causality test missed: {mutation}"


# ---- the independent-channels baseline (one colour group): still autoregressive, and blind within a pixel ----

INDEPENDENT_CASES = {
    "pixelcnn RGB, independent channels": CASES["pixelcnn RGB, embedding, head, position, classes"],
    "gated RGB, independent channels": CASES["gated RGB, embedding, head"],
}


def same_pixel_pairs(n):
    """(o, i) for i < o in the same pixel of an RGB image: what the R -> G -> B order adds."""
    return [(o, i) for o in range(n) for i in range(o - o % 3, o)]


@pytest.mark.parametrize("name", list(INDEPENDENT_CASES))
def test_independent_channels_see_no_channel_of_their_own_pixel(name):
    cfg = INDEPENDENT_CASES[name]
    model = TwinModel(cfg, seed=2, independent_channels=True)
    randomise(model, 7, scale=0.5)
    depends = dependencies(model)
    assert leaks(depends) == []
    assert [(o, i) for o, i in same_pixel_pairs(depends.shape[0]) if depends[o, i]] == []
    # Every sub-pixel after the first pixel still sees something before it.
    assert [o for o in orphans(depends) if o >= 3] == []
    grouped_model = TwinModel(cfg, seed=2)
    randomise(grouped_model, 7, scale=0.5)
    grouped = dependencies(grouped_model)
    assert any(bool(grouped[o, i]) for o, i in same_pixel_pairs(grouped.shape[0])), "the grouped model should see R from G"


def test_independent_channels_mutation_is_caught(monkeypatch):
    """Mask B on the first layer lets each channel of the baseline see its own pixel: the check must fail."""
    monkeypatch.setattr(
        twin_model,
        "build_mask",
        mutated_masks(lambda t, region, k: ("B", region) if t == "A" else (t, region)),
    )
    model = TwinModel(INDEPENDENT_CASES["gated RGB, independent channels"], seed=2, independent_channels=True)
    randomise(model, 7, scale=0.5)
    assert leaks(dependencies(model)) != []
