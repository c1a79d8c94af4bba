"""examples/python/compile_and_run.py on the demo CNN: it runs, and the classes and cycles it prints agree with
the stored fp32 outputs and with `npuc run --backend systemc --stats` on an artifact from `npuc compile`."""
import json
import os
import re
import subprocess
import sys

import numpy as np

from conftest import read_pb


def test_example_prints_the_fp32_classes_and_npuc_cycles(demo, source_dir, npuc, tmp_path):
    script = os.path.join(source_dir, "examples", "python", "compile_and_run.py")
    run = subprocess.run([sys.executable, script, str(demo)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    config = os.path.join(source_dir, "configs", "default.yaml")
    artifact = tmp_path / "demo.npub"
    subprocess.run([npuc, "compile", str(demo / "model.onnx"), "--config", config, "--calib",
                    str(demo / "test_data_set_0"), "-o", str(artifact)], check=True, stdout=subprocess.DEVNULL)
    lines = re.findall(r"^(test_data_set_\d+): class (\d+) \(fp32: (\d+)\), (\d+) cycles", run.stdout, re.M)
    assert [l[0] for l in lines] == ["test_data_set_1", "test_data_set_2"], run.stdout
    for data_set, got, fp32, cycles in lines:
        assert int(fp32) == int(np.argmax(read_pb(demo / data_set / "output_0.pb")))
        assert got == fp32
        stats = tmp_path / (data_set + ".json")
        subprocess.run([npuc, "run", str(artifact), "--backend", "systemc", "--inputs", str(demo / data_set),
                        "--stats", str(stats)], check=True, stdout=subprocess.DEVNULL)
        assert int(cycles) == json.loads(stats.read_text())["total_cycles"]
    assert "slowest layers: " in run.stdout
