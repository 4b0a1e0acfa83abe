"""The model config, as the app's model file holds it (src/model/config.ts).

Fields a file may lack because it was written before they existed are
filled in the way docs/ARCHITECTURES.md says ("older files").
"""

FIELDS = (
    "architecture",
    "height",
    "width",
    "colorChannels",
    "levels",
    "hiddenChannels",
    "layers",
    "firstKernelSize",
    "kernelSize",
    "headChannels",
    "inputEmbedding",
    "position",
    "classes",
    "labelDropout",
)

#: The largest label dropout a config may ask for: above it the model would
#: learn its classes from too few labelled images.
MAX_LABEL_DROPOUT = 0.5


class ConfigError(ValueError):
    """A config that cannot describe a causal PixelCNN; the message names the field."""


def with_later_fields(config):
    """A config from an older file with the fields added since then filled in."""
    filled = {
        "architecture": "pixelcnn",
        "headChannels": 0,
        "inputEmbedding": 0,
        "position": False,
        "classes": 0,
        "labelDropout": 0,
        "firstKernelSize": config.get("kernelSize"),
    }
    filled.update(config)
    return filled


def _integer(config, name, low, high):
    value = config.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{name} must be an integer from {low} to {high}, got {value!r}.")


def validate_config(config):
    """Raises ConfigError naming the first field out of range; returns the config with only its fields."""
    config = with_later_fields(dict(config))
    if config["architecture"] not in ("pixelcnn", "gated"):
        raise ConfigError(f"architecture must be one of pixelcnn, gated, got {config['architecture']!r}.")
    _integer(config, "height", 1, 256)
    _integer(config, "width", 1, 256)
    if config["colorChannels"] not in (1, 3) or isinstance(config["colorChannels"], bool):
        raise ConfigError(f"colorChannels must be 1 or 3, got {config['colorChannels']!r}.")
    _integer(config, "levels", 2, 256)
    _integer(config, "hiddenChannels", 1, 1024)
    _integer(config, "layers", 1, 64)
    for field in ("firstKernelSize", "kernelSize"):
        _integer(config, field, 1, 15)
        if config[field] % 2 == 0:
            raise ConfigError(f"{field} must be odd so the kernel has a centre tap, got {config[field]}.")
    _integer(config, "headChannels", 0, 1024)
    _integer(config, "inputEmbedding", 0, 64)
    if not isinstance(config["position"], bool):
        raise ConfigError(f"position must be true or false, got {config['position']!r}.")
    _integer(config, "classes", 0, 1000)
    dropout = config["labelDropout"]
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout <= MAX_LABEL_DROPOUT:
        raise ConfigError(f"labelDropout must be a number from 0 to {MAX_LABEL_DROPOUT}, got {dropout!r}.")
    colors = config["colorChannels"]
    for field in ("hiddenChannels", "headChannels"):
        if config[field] % colors != 0:
            raise ConfigError(
                f"{field} ({config[field]}) must be divisible by colorChannels ({colors}) "
                "so the features split evenly into R, G and B groups."
            )
    return {field: config[field] for field in FIELDS}


def has_no_class_row(config):
    """True when the class tables have a "no class" row (label dropout trains it): guidance is possible."""
    return config["classes"] > 0 and config["labelDropout"] > 0


def class_rows(config):
    """Rows of every class table: the classes, then the "no class" row when label dropout trains one."""
    return config["classes"] + (1 if has_no_class_row(config) else 0)
