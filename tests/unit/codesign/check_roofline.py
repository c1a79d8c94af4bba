#!/usr/bin/env python3
# Checks an `npuc sweep report --svg` roofline plot against the results database: the SVG is well-formed XML,
# every layer with useful MACs and DRAM traffic has one dot where the DB row's numbers put it, none is above
# the roofs. usage: check_roofline.py DB SVG BACKEND POINT_INDEX MODEL_PATH
import json
import math
import sqlite3
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"


def fail(msg):
    print("check_roofline: " + msg, file=sys.stderr)
    sys.exit(1)


def config_value(yaml_text, section, key):
    """A key of a two-level YAML config (section:, then indented key: value), without a YAML library."""
    current = None
    for line in yaml_text.splitlines():
        if line and not line.startswith(" ") and line.rstrip().endswith(":"):
            current = line.rstrip()[:-1]
        elif current == section and line.strip().startswith(key + ":"):
            return float(line.split(":", 1)[1].split("#")[0].strip())
    fail("config has no %s.%s" % (section, key))


def main():
    db, svg, backend, point, model = sys.argv[1:6]
    row = sqlite3.connect(db).execute(
        "SELECT layers, config_yaml FROM results WHERE backend = ? AND point_index = ? AND model = ?",
        (backend, int(point), model)).fetchone()
    if row is None:
        fail("no row for point %s of %s" % (point, model))
    layers, config = json.loads(row[0]), row[1]
    peak = config_value(config, "core", "batch") * config_value(config, "core", "block_in") * \
        config_value(config, "core", "block_out")
    bandwidth = config_value(config, "dram", "bandwidth")
    want = {}
    for l in layers:
        if l["useful_macs"] > 0 and l["dram_bytes"] > 0 and l["span"] > 0:
            want[l["node"]] = (l["useful_macs"] / l["dram_bytes"], l["useful_macs"] / l["span"])
    if not want:
        fail("the row has no layer to plot")

    root = ET.parse(svg).getroot()  # raises on malformed XML
    axes = root.find(NS + "g[@id='axes']")
    lx, hx = map(float, axes.get("data-log10-x").split())
    fx, tx = map(float, axes.get("data-px-x").split())
    ly, hy = map(float, axes.get("data-log10-y").split())
    fy, ty = map(float, axes.get("data-px-y").split())
    px = lambda v: fx + (math.log10(v) - lx) / (hx - lx) * (tx - fx)
    py = lambda v: fy + (math.log10(v) - ly) / (hy - ly) * (ty - fy)

    roof = [tuple(map(float, p.split(","))) for p in root.find(NS + "polyline[@id='roof']").get("points").split()]
    ridge = peak / bandwidth
    if abs(roof[1][0] - px(ridge)) > 0.01 or abs(roof[1][1] - py(peak)) > 0.01:
        fail("the roofs' knee %s is not at (%g MACs/B, %g MACs/cycle)" % (roof[1], ridge, peak))

    def roof_y(x):  # log-log roofs are straight in pixels
        for (x0, y0), (x1, y1) in zip(roof, roof[1:]):
            if x0 - 0.01 <= x <= x1 + 0.01:
                return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
        fail("dot at x=%g outside the roofs' extent" % x)

    dots = root.findall(NS + "circle[@class='layer']")
    if sorted(d.get("data-node") for d in dots) != sorted(want):
        fail("dots %s, expected the layers %s" % (sorted(d.get("data-node") for d in dots), sorted(want)))
    for d in dots:
        node = d.get("data-node")
        x, y = want[node]
        cx, cy = float(d.get("cx")), float(d.get("cy"))
        if abs(cx - px(x)) > 0.01 or abs(cy - py(y)) > 0.01:
            fail("%s at (%g, %g), expected (%g, %g)" % (node, cx, cy, px(x), py(y)))
        if y > peak * (1 + 1e-12) or y > bandwidth * x * (1 + 1e-12):
            fail("%s achieves %g MACs/cycle, above the roofs (peak %g, bandwidth %g x %g)" %
                 (node, y, peak, bandwidth, x))
        if cy < roof_y(cx) - 0.02:  # SVG y grows downwards
            fail("%s is drawn above the roof line" % node)
        if not (d.find(NS + "title").text or "").startswith(node + ":"):
            fail("%s: its tooltip does not name it" % node)
    print("roofline ok: %d layers at their DB positions, under the roofs (peak %g MACs/cycle, %g B/cycle)" %
          (len(dots), peak, bandwidth))


main()
