"""npu.compile and npu.run on the demo CNN against independent references: the stored fp32 outputs of
npu-modelgen, and npuc compile / npuc run on the same model and artifact (the command line as the reference)."""
import json
import os
import subprocess

import numpy as np
import npu
import pytest

from conftest import read_pb


@pytest.fixture(scope="module")
def config_path(source_dir):
    return os.path.join(source_dir, "configs", "default.yaml")


@pytest.fixture(scope="module")
def compiled(demo, config_path, tmp_path_factory):
    """The demo CNN calibrated on test_data_set_0, from the module and from npuc compile."""
    art = npu.compile(str(demo / "model.onnx"), npu.Config.load(config_path),
                      calib_dir=str(demo / "test_data_set_0"))
    out = tmp_path_factory.mktemp("compiled")
    art.save(str(out / "py.npub"))
    subprocess.run([os.environ["NPUC"], "compile", str(demo / "model.onnx"), "--config", config_path, "--calib",
                    str(demo / "test_data_set_0"), "-o", str(out / "cli.npub")], check=True,
                   stdout=subprocess.DEVNULL)
    return art, out


def test_artifact_bytes_equal_npuc_compile(compiled):
    art, out = compiled
    cli = (out / "cli.npub").read_bytes()
    assert (out / "py.npub").read_bytes() == cli
    assert art.to_bytes() == cli
    assert npu.Artifact.load(str(out / "cli.npub")).to_bytes() == cli


def test_calibration_arrays_equal_calibration_folder(demo, config_path, compiled):
    image = read_pb(demo / "test_data_set_0" / "input_0.pb")
    name = compiled[0].inputs[0]["name"]
    art = npu.compile(demo / "model.onnx", config_path, calib=[{name: image}])
    assert art.to_bytes() == compiled[0].to_bytes()


def test_func_run_gives_the_fp32_class_and_npuc_run_bytes(demo, compiled, npuc, tmp_path):
    art, out = compiled
    name = art.inputs[0]["name"]
    for k in (1, 2):
        data_set = demo / ("test_data_set_%d" % k)
        outputs, stats = npu.run(art, {name: read_pb(data_set / "input_0.pb")}, backend="func")
        assert list(outputs) == [o["name"] for o in art.outputs]
        got = outputs[art.outputs[0]["name"]]
        fp32 = read_pb(data_set / "output_0.pb")
        assert got.dtype == fp32.dtype and got.shape == fp32.shape
        assert int(np.argmax(got)) == int(np.argmax(fp32))
        cli_out = tmp_path / ("out%d" % k)
        subprocess.run([npuc, "run", str(out / "cli.npub"), "--backend", "func", "--inputs", str(data_set),
                        "--outputs", str(cli_out)], check=True, stdout=subprocess.DEVNULL)
        assert got.tobytes() == read_pb(cli_out / "output_0.pb").tobytes()
        assert stats["macs"] > 0 and stats["config_hash"] == art.config.hash


def test_systemc_stats_and_trace_equal_npuc_run(demo, compiled, npuc, tmp_path):
    art, out = compiled
    data_set = demo / "test_data_set_1"
    # Host time modeled from FLOPs (--host-gflops) so that the latency member is reproducible too.
    outputs, stats = npu.run(art, [read_pb(data_set / "input_0.pb")], backend="systemc", host_gflops=2.0,
                             trace=str(tmp_path / "py.trace.json"))
    subprocess.run([npuc, "run", str(out / "cli.npub"), "--backend", "systemc", "--inputs", str(data_set),
                    "--host-gflops", "2", "--stats", str(tmp_path / "stats.json"), "--trace",
                    str(tmp_path / "cli.trace.json")], check=True, stdout=subprocess.DEVNULL)
    cli = json.loads((tmp_path / "stats.json").read_text())
    assert stats["total_cycles"] == cli["total_cycles"] > 0
    assert stats == cli
    assert (tmp_path / "py.trace.json").read_bytes() == (tmp_path / "cli.trace.json").read_bytes()
    # The per-layer table: the nodes' cycles add up to the total (docs/timing.md).
    assert stats["nodes"] and sum(n["cycles"] for n in stats["nodes"]) == stats["total_cycles"]
    func_out, func_stats = npu.run(art, read_pb(data_set / "input_0.pb"), backend="func")
    for key in func_out:
        assert outputs[key].tobytes() == func_out[key].tobytes()
    assert func_stats["latency"]["host_time"] == "measured"


def test_host_target_runs_close_to_fp32(demo):
    art = npu.compile(str(demo / "model.onnx"), target="host")
    assert [s["kind"] for s in art.segments] == ["host"]
    data_set = demo / "test_data_set_2"
    outputs, _ = npu.run(art, read_pb(data_set / "input_0.pb"), backend="host", threads=1)
    fp32 = read_pb(data_set / "output_0.pb")
    got = outputs[art.outputs[0]["name"]]
    np.testing.assert_allclose(got, fp32, rtol=1e-3, atol=1e-6)


def test_quantization_options_equal_npuc_compile(demo, config_path, tmp_path):
    """act_zero_point, weight_rounding and mixed_precision give the bytes npuc compile gives with the same flags."""
    art = npu.compile(str(demo / "model.onnx"), config_path, calib_dir=str(demo / "test_data_set_0"),
                      act_zero_point="asymmetric", weight_rounding="gptq", mixed_precision=60, report=True)
    subprocess.run([os.environ["NPUC"], "compile", str(demo / "model.onnx"), "--config", config_path, "--calib",
                    str(demo / "test_data_set_0"), "--act-zero-point=asymmetric", "--weight-rounding", "gptq",
                    "--mixed-precision=60", "-o", str(tmp_path / "cli.npub")], check=True, stdout=subprocess.DEVNULL)
    assert "quantize: mixed precision: worst output SQNR" in art.report
    assert art.to_bytes() == (tmp_path / "cli.npub").read_bytes()
    with pytest.raises(ValueError, match="weight_rounding"):
        npu.compile(str(demo / "model.onnx"), config_path, calib_dir=str(demo / "test_data_set_0"),
                    weight_rounding="best")
    with pytest.raises(ValueError, match="mixed_precision"):
        npu.compile(str(demo / "model.onnx"), config_path, calib_dir=str(demo / "test_data_set_0"),
                    mixed_precision=0)
    with pytest.raises(ValueError, match="act_zero_point"):
        npu.compile(str(demo / "model.onnx"), config_path, calib_dir=str(demo / "test_data_set_0"),
                    act_zero_point="both")


def test_artifact_description(compiled):
    art = compiled[0]
    assert art.config.name == "default"
    assert [i["shape"] for i in art.inputs] == [(1, 3, 32, 32)]
    assert any(s["kind"] == "npu" and s["instructions"] > 0 for s in art.segments)
    assert any(p["npu"] for p in art.placements) and art.tile_ir


def test_errors_carry_the_status_message(demo, compiled):
    art = compiled[0]
    with pytest.raises(npu.Error, match="no input 'nope'"):
        npu.run(art, {"nope": np.zeros((1, 3, 32, 32), np.float32)})
    with pytest.raises(npu.Error, match="must have shape"):
        npu.run(art, np.zeros((1, 3, 8, 8), np.float32))
    with pytest.raises(npu.Error, match="NPU program"):
        npu.run(art, np.zeros((1, 3, 32, 32), np.float32), backend="host")
    with pytest.raises(npu.Error, match="missing.onnx"):
        npu.compile(str(demo / "missing.onnx"))
    with pytest.raises(npu.Error, match="calibration"):
        npu.compile(str(demo / "model.onnx"))
    with pytest.raises(ValueError):
        npu.run(art, np.zeros((1, 3, 32, 32), np.float32), backend="nonsense")


def test_tensor_files_and_artifact_paths(demo, compiled, npuc, tmp_path):
    art, out = compiled
    image = read_pb(demo / "test_data_set_2" / "input_0.pb")
    npu.save_tensor(str(tmp_path / "input_0.pb"), image.astype(np.float64).astype(np.float32), "image")
    assert read_pb(tmp_path / "input_0.pb").tobytes() == image.tobytes()
    fp32 = read_pb(demo / "test_data_set_2" / "output_0.pb")
    assert npu.load_tensor(str(demo / "test_data_set_2" / "output_0.pb")).tobytes() == fp32.tobytes()
    # A .npub path runs like the loaded artifact; the saved input feeds npuc run the same image.
    by_path, _ = npu.run(str(out / "cli.npub"), image.astype(np.float64))
    subprocess.run([npuc, "run", str(out / "cli.npub"), "--inputs", str(tmp_path), "--outputs",
                    str(tmp_path / "out")], check=True, stdout=subprocess.DEVNULL)
    assert list(by_path.values())[0].tobytes() == read_pb(tmp_path / "out" / "output_0.pb").tobytes()
