"""npu.Config against the YAML files themselves and `npuc config check`."""
import glob
import hashlib
import os
import re
import subprocess

import npu
import pytest
import yaml

UNITS = {"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}


def yaml_value(value):
    """A value as the YAML file writes it, sizes with a suffix in bytes."""
    if isinstance(value, str):
        m = re.fullmatch(r"(\d+)(KiB|MiB|GiB)", value)
        return int(m.group(1)) * UNITS[m.group(2)] if m else value
    return value


def flat_keys(doc):
    for section, body in doc.items():
        if isinstance(body, dict):
            for key, value in body.items():
                yield section + "." + key, yaml_value(value)
        else:
            yield section, yaml_value(body)


@pytest.mark.parametrize("name", ["default", "edge", "large", "wide", "edge16"])
def test_values_equal_the_yaml_file(source_dir, name):
    path = os.path.join(source_dir, "configs", name + ".yaml")
    cfg = npu.Config.load(path)
    doc = yaml.safe_load(open(path))
    keys = list(flat_keys(doc))
    assert keys, path
    for key, value in keys:
        assert cfg[key] == value, key
    assert cfg.name == doc["name"]


def test_hash_is_sha256_of_the_canonical_yaml_and_matches_npuc(source_dir, npuc):
    for path in sorted(glob.glob(os.path.join(source_dir, "configs", "*.yaml"))):
        cfg = npu.Config.load(path)
        assert cfg.hash == hashlib.sha256(cfg.yaml.encode()).hexdigest()
        out = subprocess.run([npuc, "config", "check", path], capture_output=True, text=True, check=True).stdout
        assert "hash " + cfg.short_hash + ")" in out
        # The canonical YAML reads back as the same config.
        assert npu.Config.from_yaml(cfg.yaml) == cfg


def test_keys_cover_every_yaml_key(source_dir):
    cfg = npu.Config.load(os.path.join(source_dir, "configs", "default.yaml"))
    canonical = dict(flat_keys(yaml.safe_load(cfg.yaml)))
    assert sorted(canonical) == sorted(npu.Config.keys())
    assert cfg.to_dict() == {k: cfg[k] for k in npu.Config.keys()}
    assert "core.block_in" in cfg and "core.nonsense" not in cfg
    with pytest.raises(KeyError):
        cfg["core.nonsense"]


def test_errors_carry_the_loader_message(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ncore:\n  block_in: 0\n")
    with pytest.raises(npu.Error, match=r"bad\.yaml.*block_in"):
        npu.Config.load(str(bad))
    with pytest.raises(npu.Error, match="missing.yaml"):
        npu.Config.load(str(tmp_path / "missing.yaml"))
