"""The app's model file (src/model/serialize.ts, docs/ARCHITECTURES.md):

    { "format": "pixelcnn-studio-model", "version": 1, "config": {...},
      "tensors": [{ "name", "shape", "data" }, ...], "meta": {...} }

`data` is the base64 of the tensor's little-endian float32 values in
row-major order. Convolution weights are stored multiplied by their masks.
"""

import base64
import json
import os

import numpy as np
import torch

from .config import ConfigError, validate_config
from .model import TwinModel

MODEL_FORMAT = "pixelcnn-studio-model"
MODEL_FORMAT_VERSION = 1


class ModelFileError(ValueError):
    """Not a model file, or one that does not fit; the message says what is wrong."""


def encode_float32(values):
    array = np.ascontiguousarray(np.asarray(values, dtype="<f4"))
    return base64.b64encode(array.tobytes()).decode("ascii")


def decode_float32(text, name):
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as error:
        raise ModelFileError(f'Tensor "{name}" is not valid base64.') from error
    if len(raw) % 4 != 0:
        raise ModelFileError(f'Tensor "{name}" has a byte length that is not a multiple of 4.')
    return np.frombuffer(raw, dtype="<f4").copy()


def to_saved(model, meta=None):
    """The model file's JSON document (a dict) for a TwinModel."""
    tensors = []
    for name in model.names:
        value = model.masked_value(name).to("cpu", torch.float32).contiguous()
        tensors.append({"name": name, "shape": list(value.shape), "data": encode_float32(value.numpy())})
    return {
        "format": MODEL_FORMAT,
        "version": MODEL_FORMAT_VERSION,
        "config": dict(model.config),
        "tensors": tensors,
        "meta": dict(meta or {}),
    }


def parse_saved(document):
    """Checks a parsed model file and returns it with its config validated (older files filled in)."""
    if not isinstance(document, dict) or document.get("format") != MODEL_FORMAT:
        raise ModelFileError(f'This is not a PixelCNN model file (expected "format": "{MODEL_FORMAT}").')
    if document.get("version") != MODEL_FORMAT_VERSION:
        raise ModelFileError(
            f"Unsupported model file version {document.get('version')}; this reads version {MODEL_FORMAT_VERSION}."
        )
    if not isinstance(document.get("config"), dict):
        raise ModelFileError('The model file has no "config" object.')
    try:
        config = validate_config(document["config"])
    except ConfigError as error:
        raise ModelFileError(f"The model file's config is invalid: {error}") from error
    tensors = document.get("tensors")
    if not isinstance(tensors, list):
        raise ModelFileError('The model file has no "tensors" list.')
    for tensor in tensors:
        if (
            not isinstance(tensor, dict)
            or not isinstance(tensor.get("name"), str)
            or not isinstance(tensor.get("data"), str)
            or not isinstance(tensor.get("shape"), list)
            or not all(isinstance(d, int) and d > 0 for d in tensor["shape"])
        ):
            raise ModelFileError("The model file has a malformed tensor entry (needs name, shape and data).")
    meta = document.get("meta")
    return {**document, "config": config, "meta": meta if isinstance(meta, dict) else {}}


def load_weights(model, document):
    """Copies a parsed model file's tensors into `model`, checking every name and shape first."""
    if document["config"] != model.config:
        raise ModelFileError("The model file is for another architecture than the model.")
    by_name = {tensor["name"]: tensor for tensor in document["tensors"]}
    values = {}
    for name, shape in model.shapes:
        entry = by_name.get(name)
        if entry is None:
            raise ModelFileError(f'The model file is missing tensor "{name}".')
        if tuple(entry["shape"]) != tuple(shape):
            raise ModelFileError(
                f'Tensor "{name}" has shape {"×".join(map(str, entry["shape"]))}, expected {"×".join(map(str, shape))}.'
            )
        data = decode_float32(entry["data"], name)
        if data.size != int(np.prod(shape)):
            raise ModelFileError(f'Tensor "{name}" holds {data.size} values, expected {int(np.prod(shape))}.')
        if not np.all(np.isfinite(data)):
            raise ModelFileError(f'Tensor "{name}" contains NaN or infinite values.')
        values[name] = torch.from_numpy(data.reshape(shape))
    with torch.no_grad():
        for name, value in values.items():
            parameter = model.params[name]
            parameter.copy_(value.to(parameter.device))


def read_model(path, device="cpu"):
    """(TwinModel, meta) from a model file."""
    with open(path, "r", encoding="utf-8") as handle:
        try:
            document = json.load(handle)
        except json.JSONDecodeError as error:
            raise ModelFileError(f"{path} is not JSON ({error}).") from error
    document = parse_saved(document)
    independent = bool((document.get("meta") or {}).get("independentChannels"))
    model = TwinModel(document["config"], independent_channels=independent).to(device)
    load_weights(model, document)
    return model, document["meta"]


def write_model(model, path, meta=None):
    """Writes the model file atomically (a partial file, then a rename)."""
    document = to_saved(model, meta)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    partial = f"{path}.partial"
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(document, handle, separators=(",", ":"))
    os.replace(partial, path)
