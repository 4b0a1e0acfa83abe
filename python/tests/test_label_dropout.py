"""Label dropout and the "no class" row (docs/ARCHITECTURES.md, "Conditioning and position"):

the row learns only from images whose label was dropped, every class row only
from images of its class, and a warm start from a model without the row starts
the row as the mean of the class rows.
"""

import os

import pytest
import torch

from conftest import batch_for, config, randomise
from pixelcnn_studio import TwinModel, write_model
from pixelcnn_studio.adam import TfjsAdam
from pixelcnn_studio.schedule import dropped_labels
from pixelcnn_studio.train import Loss, start_from, train_step

CASES = {
    "pixelcnn, head, position": config(headChannels=6, position=True, classes=3, labelDropout=0.25),
    "gated, embedding, position": config(architecture="gated", inputEmbedding=2, position=True, classes=3, labelDropout=0.25),
}
#: Class 1 is absent; image 0 is the only one of class 2.
LABELS = [2, 0, 0, 0]
SEED = 2026


def class_tables(model):
    return [name for name in model.names if name.endswith("/class")]


def step_where(labels, wanted):
    """The first step whose dropout keeps `wanted` of `labels` (no_class = 3)."""
    for step in range(1000):
        if dropped_labels(labels, 0.25, SEED, step, 3) == wanted:
            return step
    raise AssertionError(f"no step in 1000 drops {labels} to {wanted}")


def gradients_after_a_step(cfg, kept):
    """The class tables' gradients of one training step (train.py's train_step) on a batch with labels `kept`."""
    model = TwinModel(cfg, seed=1)
    randomise(model, 5, scale=0.5)
    before = {name: model.params[name].detach().clone() for name in class_tables(model)}
    images, _ = batch_for(cfg, 9, count=len(kept))
    optimizer = TfjsAdam(model.parameter_list(), lr=0.01)
    train_step(Loss(model), optimizer, images, torch.tensor(kept))
    grads = {name: model.params[name].grad.detach().clone() for name in class_tables(model)}
    after = {name: model.params[name].detach().clone() for name in class_tables(model)}
    return grads, before, after


@pytest.mark.parametrize("name", list(CASES))
def test_the_no_class_row_learns_only_from_dropped_labels(name):
    cfg = CASES[name]
    assert TwinModel(cfg).no_class == 3
    # A batch where dropout kept every label.
    step = step_where(LABELS, LABELS)
    grads, before, after = gradients_after_a_step(cfg, dropped_labels(LABELS, 0.25, SEED, step, 3))
    for table, grad in grads.items():
        assert grad.shape[0] == 4, table
        assert bool((grad[3] == 0).all()), f"{table}: the no-class row has gradient with no label dropped"
        assert bool((grad[1] == 0).all()), f"{table}: the row of class 1, in no image, has gradient"
        assert bool((grad[0] != 0).any()) and bool((grad[2] != 0).any()), f"{table}: a present class has no gradient"
        # Adam's first step moves nothing whose gradient is zero.
        assert torch.equal(after[table][3], before[table][3]), f"{table}: the no-class row moved"
        assert torch.equal(after[table][1], before[table][1]), f"{table}: the row of class 1 moved"
    # A batch where dropout replaced image 0's label (the only one of class 2) by "no class".
    dropped = [3, 0, 0, 0]
    step = step_where(LABELS, dropped)
    grads, _, _ = gradients_after_a_step(cfg, dropped_labels(LABELS, 0.25, SEED, step, 3))
    for table, grad in grads.items():
        assert bool((grad[3] != 0).any()), f"{table}: a dropped label gave the no-class row no gradient"
        assert bool((grad[2] == 0).all()), f"{table}: class 2's row learned from the image whose label was dropped"
        assert bool((grad[1] == 0).all()), table
        assert bool((grad[0] != 0).any()), table


# ---- warm start (train.py start_from): a model without the row into one with it ----


@pytest.mark.parametrize("name", list(CASES))
def test_warm_start_adds_the_no_class_row_as_the_mean_of_the_class_rows(tmp_path, name):
    target_cfg = CASES[name]
    source_cfg = dict(target_cfg, labelDropout=0)
    source = TwinModel(source_cfg, seed=3)
    randomise(source, 13, scale=0.5)
    path = os.path.join(tmp_path, "source.json")
    write_model(source, path)
    target = TwinModel(target_cfg, seed=4)
    assert any(
        not torch.equal(target.params[n], source.masked_value(n)) for n in source.names if not n.endswith("/class")
    ), "the target starts equal to the source: the copy would pass vacuously"
    start_from(target, path)
    assert target.names == source.names
    for n in target.names:
        value = source.masked_value(n)
        got = target.params[n].detach()
        if n.endswith("/class"):
            assert got.shape == (4, value.shape[1]), n
            assert torch.equal(got[:3], value), f"{n}: the class rows were not copied"
            assert torch.equal(got[3], value.mean(dim=0)), f"{n}: the no-class row is not the mean of the class rows"
        else:
            assert torch.equal(got, value), f"{n} was not copied"


def test_warm_start_copies_a_model_that_already_has_the_row_and_refuses_another_architecture(tmp_path):
    cfg = CASES["gated, embedding, position"]
    source = TwinModel(cfg, seed=3)
    randomise(source, 13, scale=0.5)
    path = os.path.join(tmp_path, "source.json")
    write_model(source, path)
    target = TwinModel(cfg, seed=4)
    start_from(target, path)
    for n in target.names:
        assert torch.equal(target.params[n].detach(), source.masked_value(n)), n
    with pytest.raises(ValueError, match="hiddenChannels"):
        start_from(TwinModel(dict(cfg, hiddenChannels=4), seed=4), path)
