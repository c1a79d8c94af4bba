"""npu.sweep against `npuc sweep`: the same space, model and backend give the same result rows in the database."""
import os
import sqlite3
import subprocess

import npu
import pytest

# Every column but the measured wall time and the row's creation time.
COLUMNS = ("config_hash, model_hash, backend, compiler_version, point_index, params, model, config_name, status, "
           "reason, cycles, time_us, clock_mhz, useful_macs, executed_macs, mac_utilization, dram_bytes, "
           "layer_cycles, area_um2, area, energy_pj, energy, npu_nodes, host_nodes, config_yaml")


def rows(db):
    with sqlite3.connect(str(db)) as con:
        return con.execute("SELECT %s FROM results ORDER BY point_index" % COLUMNS).fetchall()


def test_sweep_rows_equal_npuc_sweep(demo, source_dir, npuc, tmp_path):
    space = tmp_path / "space.yaml"
    space.write_text("base: %s\nparameters:\n  core.block_out: [8, 16]\n  dram.bandwidth: [8, 16]\nstrategy: grid\n"
                     % os.path.join(source_dir, "configs", "default.yaml"))
    model = str(demo / "model.onnx")
    summary = npu.sweep([model], str(space), str(tmp_path / "py.sqlite"), calib_dir=str(demo / "test_data_set_0"))
    assert summary["points"] == 4 and summary["evaluated"] == 4 and summary["skipped"] == 0
    subprocess.run([npuc, "sweep", model, "--space", str(space), "--db", str(tmp_path / "cli.sqlite"), "--calib",
                    str(demo / "test_data_set_0")], check=True, stdout=subprocess.DEVNULL)
    got = rows(tmp_path / "py.sqlite")
    assert len(got) == 4 and all(r[8] == "ok" and r[10] > 0 for r in got)
    assert got == rows(tmp_path / "cli.sqlite")
    # A second sweep into the same database finds every point done.
    again = npu.sweep(model, space, tmp_path / "py.sqlite", calib_dir=demo / "test_data_set_0")
    assert again["skipped"] == 4 and again["evaluated"] == 0
    with pytest.raises(npu.Error, match="nothing.yaml"):
        npu.sweep(model, str(tmp_path / "nothing.yaml"), str(tmp_path / "x.sqlite"))
