"""The model file: the twin writes what it reads, reads older files as the app does, and names what is wrong."""

import base64
import json
import os

import pytest
import torch

from conftest import ROOT, config, randomise
from pixelcnn_studio import ModelFileError, TwinModel, parameter_shapes, read_model, write_model
from pixelcnn_studio.modelfile import parse_saved

SHIPPED = os.path.join(ROOT, "public", "models", "mnist-pixelcnn.json")


def test_round_trip_stores_weights_times_masks(tmp_path):
    cfg = config(architecture="gated", colorChannels=3, inputEmbedding=2, headChannels=6, position=True, classes=2)
    model = TwinModel(cfg, seed=1)
    randomise(model, 2)  # masked taps non-zero in the parameters; the file must hold them as zeros
    path = os.path.join(tmp_path, "m.json")
    write_model(model, path, {"note": "x"})
    document = json.load(open(path))
    assert document["format"] == "pixelcnn-studio-model" and document["version"] == 1
    assert [t["name"] for t in document["tensors"]] == [name for name, _ in parameter_shapes(cfg)]
    again, meta = read_model(path)
    assert meta == {"note": "x"}
    for name in model.names:
        assert torch.equal(again.params[name], model.masked_value(name)), name
    images = torch.randint(0, 4, (2, 5, 4, 3))
    labels = torch.tensor([0, 1])
    assert torch.allclose(again(images, labels), model(images, labels))


def test_older_file_reads_as_pixelcnn(tmp_path):
    cfg = config(firstKernelSize=3)
    model = TwinModel(cfg, seed=1)
    path = os.path.join(tmp_path, "old.json")
    write_model(model, path)
    document = json.load(open(path))
    for field in ("architecture", "firstKernelSize", "position", "classes", "headChannels", "inputEmbedding"):
        document["config"].pop(field)
    json.dump(document, open(path, "w"))
    again, _ = read_model(path)
    assert again.config["architecture"] == "pixelcnn" and again.config["firstKernelSize"] == 3


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(format="other"), "not a PixelCNN model file"),
        (lambda d: d.update(version=2), "Unsupported model file version 2"),
        (lambda d: d["config"].update(hiddenChannels=0), "hiddenChannels must be an integer"),
        (lambda d: d["tensors"].pop(0), 'missing tensor "conv0/weight"'),
        (lambda d: d["tensors"][1].update(shape=[5]), 'Tensor "conv0/bias" has shape 5, expected 6'),
        (lambda d: d["tensors"][1].update(data="!!"), 'Tensor "conv0/bias" is not valid base64'),
        (
            lambda d: d["tensors"][1].update(data=base64.b64encode(b"\x00\x00\xc0\x7f" * 6).decode()),
            'Tensor "conv0/bias" contains NaN',
        ),
    ],
)
def test_a_bad_file_names_what_is_wrong(tmp_path, change, message):
    path = os.path.join(tmp_path, "m.json")
    write_model(TwinModel(config(), seed=1), path)
    document = json.load(open(path))
    change(document)
    json.dump(document, open(path, "w"))
    with pytest.raises(ModelFileError, match=message):
        read_model(path)


@pytest.mark.skipif(not os.path.exists(SHIPPED), reason="no shipped model")
def test_reads_the_shipped_model():
    model, meta = read_model(SHIPPED)
    assert parse_saved(json.load(open(SHIPPED)))["config"] == model.config
    assert meta.get("steps", 0) > 0
