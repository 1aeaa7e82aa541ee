"""Shared fixtures of the p9ml suite: the fixture models written by
`9ml fixtures` (NINEML_CLI names the binary; CTest sets it)."""
import json
import os
import subprocess

import pytest


def parse_key(key):
    """'rope/dim=2,head_size=2,pos=0/normal/seed=1' -> {'dim': '2', ...}."""
    shape = key.split("/")[1]
    return dict(kv.split("=", 1) for kv in shape.split(","))


@pytest.fixture(scope="session")
def fixture_dir(tmp_path_factory):
    cli = os.environ.get("NINEML_CLI")
    if not cli or not os.path.exists(cli):
        pytest.fail("NINEML_CLI must name the built 9ml binary (CTest sets it), got %r" % cli)
    out = tmp_path_factory.mktemp("fixtures")
    subprocess.run([cli, "fixtures", "--out", str(out), "--kernel", "softmax"], check=True,
                   stdout=subprocess.DEVNULL)
    return out


@pytest.fixture(scope="session")
def manifest(fixture_dir):
    with open(fixture_dir / "manifest.json") as f:
        m = json.load(f)
    assert m["models"], "9ml fixtures wrote no models"
    return m


@pytest.fixture(scope="session")
def model_paths(fixture_dir, manifest):
    """Every llama2.c v0 model of the manifest (the format the oracle reads)."""
    paths = [(m["name"], str(fixture_dir / m["file"])) for m in manifest["models"] if m["format"] == "llama2c-v0"]
    assert paths, "the manifest lists no llama2c-v0 model"
    return paths


@pytest.fixture(scope="session")
def manifest_models(fixture_dir, manifest):
    """Every model of the manifest as (name, path): the llama2.c v0 "models"
    and every "arch_models" entry (each architecture x format)."""
    out = [(m["name"], str(fixture_dir / m["file"])) for m in manifest["models"]]
    out += [("%s-%s" % (m["arch"], m["format"]), str(fixture_dir / m["file"])) for m in manifest["arch_models"]]
    assert manifest["arch_models"], "the manifest lists no arch_models"
    return out
