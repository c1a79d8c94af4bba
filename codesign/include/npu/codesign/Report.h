// npuc sweep report: Pareto fronts (latency vs area, latency vs energy) as tables, a CSV of every row, and
// SVG plots (Pareto scatters with the front highlighted, a heat map of latency over two parameters).
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
};

/// The report text (row counts by status, both fronts per backend); writes the CSV and SVG files asked for.
Expected<std::string> sweepReport(const std::vector<PointResult> &Rows, const ReportOptions &O);

/// CSV of the rows: fixed columns, then one column per swept parameter (RFC 4180 quoting).
std::string resultsCsv(const std::vector<PointResult> &Rows);

/// An SVG scatter of (X, Y) for the ok points, the front's points filled and joined by a line.
std::string paretoSvg(const std::vector<PointTotals> &Points, bool EnergyAxis, const std::string &Title);
/// An SVG heat map of the best (lowest) total time per pair of values of two parameters.
std::string heatMapSvg(const std::vector<PointTotals> &Points, const std::string &KeyX, const std::string &KeyY);

} // namespace npu::codesign
