"""PyTorch twin of PixelCNN Studio's models (docs/ARCHITECTURES.md).

It computes what src/model computes, reads and writes the app's model file,
and trains with the app's split, batches, schedule and Adam, natively.
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
