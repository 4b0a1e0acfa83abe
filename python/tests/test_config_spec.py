"""The twin's config checks (python/pixelcnn_studio/config.py) agree with the app's
declaration of every field (CONFIG_SPEC in src/model/config.ts), read through
scripts/config-spec.mjs: the same fields in the same order, the same ranges,
choices, odd kernels and colour splits, and the same reading of older files.
A field or range changed on one side only fails here."""

import json
import os
import subprocess

import pytest

from conftest import ROOT
from pixelcnn_studio.config import FIELDS, ConfigError, validate_config, with_later_fields


@pytest.fixture(scope="module")
def spec():
    result = subprocess.run(
        ["node", os.path.join(ROOT, "scripts", "config-spec.mjs")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"scripts/config-spec.mjs failed ({result.returncode}):\n{result.stderr}")
    return json.loads(result.stdout)


def base(spec):
    """The app's default config, with widths that also split into three colour groups, so one field can vary alone."""
    config = {field["name"]: field["default"] for field in spec["fields"]}
    return {**config, "hiddenChannels": 48, "headChannels": 96}


def allowed(config):
    try:
        validate_config(config)
        return True
    except ConfigError:
        return False


def test_same_fields_in_the_same_order(spec):
    assert list(FIELDS) == [field["name"] for field in spec["fields"]]


def test_the_app_default_is_a_valid_twin_config(spec):
    defaults = {field["name"]: field["default"] for field in spec["fields"]}
    assert validate_config(defaults) == defaults


def test_each_field_allows_what_its_declaration_allows(spec):
    config = base(spec)
    for field in spec["fields"]:
        name = field["name"]

        def at(value, name=name):
            return allowed({**config, name: value})

        if field["choices"] is not None:
            for choice in field["choices"]:
                assert at(choice), f"{name} = {choice!r}"
            assert not at("other"), name
            assert not at(2), name
        elif field["range"] is not None:
            low, high = field["range"]["min"], field["range"]["max"]
            assert at(low) and at(high), f"{name}: {low} and {high} are allowed"
            # The nearest values past each end that would otherwise be allowed (odd, for a kernel).
            step = 0.01 if field["fraction"] else 2 if field["odd"] else 1
            assert not at(low - step) and not at(high + step), f"{name}: only {low} to {high}"
            assert not at(True) and not at(str(low)), f"{name} takes numbers only"
            if field["fraction"]:
                assert at((low + high) / 2), f"{name} takes fractions"
            else:
                assert not at(low + 0.5), f"{name} takes whole numbers only"
            if field["odd"]:
                assert not at(low + 1), f"{name} must be odd"
        else:
            assert at(True) and at(False), name
            assert not at(1) and not at("yes"), f"{name} takes true or false only"


def test_the_same_widths_split_into_colour_groups(spec):
    rgb = {**base(spec), "colorChannels": 3}
    assert allowed(rgb)
    for field in spec["fields"]:
        if field["range"] is None or field["fraction"]:
            continue
        low, high = field["range"]["min"], field["range"]["max"]
        # A value the declaration allows that does not split into three groups (odd for a kernel).
        value = next(v for v in range(low, high + 1) if v % 3 != 0 and (not field["odd"] or v % 2 == 1))
        assert allowed({**rgb, field["name"]: value}) != field["colourGroups"], f"{field['name']} = {value} with RGB"


def test_older_files_read_the_same(spec):
    filled = with_later_fields(dict(spec["olderSample"]))
    for field in spec["fields"]:
        if "older" in field:
            assert filled[field["name"]] == field["older"], field["name"]
