"""PyTorch twin of PixelCNN Studio's models (docs/ARCHITECTURES.md).

It computes what src/model computes, reads and writes the app's model file,
and trains with the app's split, batches, schedule and Adam, natively.

A conditional config with labelDropout p > 0 has a "no class" row (label =
classes) in every class table: training replaces each label by it with
probability p (schedule.dropped_labels, the app's draws), and the sampler
mixes the two predictions with a guidance weight w (sample.sample's
`guidance`, `--guidance`): logits_u + w·(logits_c − logits_u), 1 the plain
conditional model, 0 the unconditional one. docs/ARCHITECTURES.md
("Label dropout", "Guidance") is the contract.
"""

from .config import ConfigError, validate_config
from .model import TwinModel, parameter_shapes
from .modelfile import ModelFileError, read_model, write_model

__all__ = [
    "ConfigError",
    "ModelFileError",
    "TwinModel",
    "parameter_shapes",
    "read_model",
    "validate_config",
    "write_model",
]
