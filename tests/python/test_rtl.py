"""npu.run on the rtl backend (label rtl: it needs the Verilated model of the config): the same output bytes as
func and the same statistics as `npuc run --backend rtl --stats` for the same artifact."""
import json
import os
import subprocess

import npu

from conftest import read_pb


def test_rtl_matches_func_and_npuc(demo, source_dir, npuc, tmp_path):
    config = os.path.join(source_dir, "configs", "default.yaml")
    art = npu.compile(str(demo / "model.onnx"), config, calib_dir=str(demo / "test_data_set_0"))
    art.save(str(tmp_path / "demo.npub"))
    data_set = demo / "test_data_set_1"
    image = read_pb(data_set / "input_0.pb")
    rtl_out, rtl_stats = npu.run(art, image, backend="rtl", host_gflops=2.0)
    func_out, _ = npu.run(art, image, backend="func")
    for key in func_out:
        assert rtl_out[key].tobytes() == func_out[key].tobytes()
    stats_file = tmp_path / "rtl.json"
    subprocess.run([npuc, "run", str(tmp_path / "demo.npub"), "--backend", "rtl", "--inputs", str(data_set),
                    "--host-gflops", "2", "--stats", str(stats_file)], check=True, stdout=subprocess.DEVNULL)
    cli = json.loads(stats_file.read_text())
    assert rtl_stats["backend"] == "rtl" and rtl_stats["total_cycles"] == cli["total_cycles"] > 0
    assert rtl_stats == cli
