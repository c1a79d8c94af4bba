// npuc sweep report: Pareto fronts (latency vs area, latency vs energy) as tables, a CSV of every row, and
// SVG plots (Pareto scatters with the front highlighted, a heat map of latency over two parameters, the
// per-layer roofline of one point).
#pragma once

#include "npu/codesign/ResultDb.h"

#include <string>
#include <vector>

namespace npu::codesign {

/// A design point's totals over the models of one backend (the unit of the fronts and plots).
struct PointTotals {
  int64_t PointIndex = 0;
  std::string ConfigHash, Backend, Params;
  double TimeUs = 0, AreaUm2 = 0, EnergyPj = 0;
  size_t Models = 0;
  bool Ok = true; ///< every model compiled and ran
};

/// Groups rows by (config, backend, compiler version), summing time and energy over the models.
std::vector<PointTotals> pointTotals(const std::vector<PointResult> &Rows);

struct ReportOptions {
  std::string CsvPath; ///< "" for none
  std::string SvgDir;  ///< "" for none
  /// The point of the roofline plots: a point index or a config hash (or a prefix of one); "" for the fastest
  /// point of each backend whose every model ran.
  std::string Roofline;
};

/// The report text (row counts by status, both fronts per backend); writes the CSV and SVG files asked for.
Expected<std::string> sweepReport(const std::vector<PointResult> &Rows, const ReportOptions &O);

/// CSV of the rows: fixed columns, then one column per swept parameter (RFC 4180 quoting).
std::string resultsCsv(const std::vector<PointResult> &Rows);

/// An SVG scatter of (X, Y) for the ok points, the front's points filled and joined by a line.
std::string paretoSvg(const std::vector<PointTotals> &Points, bool EnergyAxis, const std::string &Title);
/// An SVG heat map of the best (lowest) total time per pair of values of two parameters.
std::string heatMapSvg(const std::vector<PointTotals> &Points, const std::string &KeyX, const std::string &KeyY);

/// One layer of a row's per-layer record (PointResult::Layers).
struct LayerPoint {
  std::string Node;
  uint64_t Cycles = 0, Span = 0, UsefulMacs = 0, ExecutedMacs = 0, DramBytes = 0;
};
/// Parses a row's `layers` JSON; an error names the row.
Expected<std::vector<LayerPoint>> rowLayers(const PointResult &Row);

/// The per-layer roofline of one row, log-log: x = useful MACs per DRAM byte, y = useful MACs per cycle of the
/// layer's span; the compute roof (peak MACs/cycle) and the bandwidth roof (dram.bandwidth x intensity).
Expected<std::string> rooflineSvg(const PointResult &Row);

} // namespace npu::codesign
