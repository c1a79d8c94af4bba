#!/usr/bin/env python3
"""Compiles an ONNX model for the NPU from Python, runs its data sets on the cycle-level simulator and prints the
class, the cycles and the slowest layers of each (docs/python.md).

usage: PYTHONPATH=build/python /usr/bin/python3 examples/python/compile_and_run.py MODEL_DIR [CONFIG.yaml]
MODEL_DIR holds model.onnx and test_data_set_N/input_0.pb (+ output_0.pb), as `npu-modelgen DIR` writes them;
the first set calibrates the quantizer, the others are run."""
import os
import sys

import numpy as np
import npu


def main(model_dir, config_path):
    cfg = npu.Config.load(config_path)
    sets = sorted(d for d in os.listdir(model_dir) if d.startswith("test_data_set_"))
    art = npu.compile(os.path.join(model_dir, "model.onnx"), cfg, calib_dir=os.path.join(model_dir, sets[0]))
    print("compiled for %s (%s): %s" % (cfg.name, cfg.short_hash,
                                        ", ".join("%s %s" % (s["name"], s["kind"]) for s in art.segments)))
    name = art.inputs[0]["name"]
    for data_set in sets[1:]:
        folder = os.path.join(model_dir, data_set)
        outputs, stats = npu.run(art, {name: npu.load_tensor(os.path.join(folder, "input_0.pb"))}, "systemc")
        scores = outputs[art.outputs[0]["name"]]
        line = "%s: class %d" % (data_set, int(np.argmax(scores)))
        reference = os.path.join(folder, "output_0.pb")
        if os.path.exists(reference):
            line += " (fp32: %d)" % int(np.argmax(npu.load_tensor(reference)))
        print("%s, %d cycles, %.3f us, %.1f nJ" % (line, stats["total_cycles"], stats["time_us"],
                                                   stats["energy"]["total_pj"] / 1000))
    slowest = sorted(stats["nodes"], key=lambda n: n["cycles"], reverse=True)[:3]
    print("slowest layers: " + ", ".join("%s %d cycles" % (n["name"], n["cycles"]) for n in slowest))


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    default = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "configs", "default.yaml")
    main(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else default)
