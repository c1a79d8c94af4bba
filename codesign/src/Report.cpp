// Sweep reports: fronts as tables, the CSV of all rows and plain SVG plots written without a plotting library.
#include "npu/codesign/Report.h"

#include "npu/codesign/Pareto.h"
#include "npu/config/HardwareConfig.h"
#include "npu/support/Json.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace npu::codesign {

namespace {

/// The swept keys and values of a row's params JSON, in order.
std::vector<std::pair<std::string, std::string>> params(const std::string &Text) {
  std::vector<std::pair<std::string, std::string>> R;
  const Json J = Json::parse(Text, nullptr, false);
  if (J.is_object())
    for (const auto &[Key, Value] : J.items())
      R.push_back({Key, Value.is_string() ? Value.get<std::string>() : Value.dump()});
  return R;
}

std::string fmt(const char *F, double V) {
  char Buf[64];
  std::snprintf(Buf, sizeof(Buf), F, V);
  return Buf;
}

std::string csvField(const std::string &S) {
  if (S.find_first_of(",\"\n") == std::string::npos)
    return S;
  std::string Q = "\"";
  for (char C : S)
    Q += C == '"' ? std::string("\"\"") : std::string(1, C);
  return Q + "\"";
}

std::string xmlText(const std::string &S) {
  std::string R;
  for (char C : S)
    R += C == '<' ? "&lt;" : C == '>' ? "&gt;" : C == '&' ? "&amp;" : C == '"' ? "&quot;" : std::string(1, C);
  return R;
}

/// One front as a table: point, time, area, energy, parameters.
std::string frontTable(const std::vector<PointTotals> &Ok, bool Energy) {
  std::vector<std::pair<double, double>> XY;
  for (const PointTotals &P : Ok)
    XY.push_back({P.TimeUs, Energy ? P.EnergyPj : P.AreaUm2});
  std::ostringstream OS;
  OS << "  " << (Energy ? "latency vs energy" : "latency vs area") << ": " << paretoFront(XY).size() << " of "
     << Ok.size() << " points\n";
  OS << "    point      time_us     area_mm2    energy_uJ  parameters\n";
  for (size_t K : paretoFront(XY)) {
    const PointTotals &P = Ok[K];
    std::string Label;
    for (const auto &[Key, V] : params(P.Params))
      Label += (Label.empty() ? "" : " ") + Key + "=" + V;
    OS << "    " << fmt("%5.0f", double(P.PointIndex)) << fmt(" %12.3f", P.TimeUs) << fmt(" %12.4f", P.AreaUm2 / 1e6)
       << fmt(" %12.4f", P.EnergyPj / 1e6) << "  " << Label << "\n";
  }
  return OS.str();
}

/// Linear axis mapping with a margin.
struct Axis {
  double Lo = 0, Hi = 1, From = 0, To = 1;
  double map(double V) const { return From + (V - Lo) / (Hi - Lo) * (To - From); }
  static Axis of(const std::vector<double> &Vs, double From, double To) {
    Axis A{0, 1, From, To};
    if (Vs.empty())
      return A;
    A.Lo = *std::min_element(Vs.begin(), Vs.end()), A.Hi = *std::max_element(Vs.begin(), Vs.end());
    const double Pad = A.Hi > A.Lo ? (A.Hi - A.Lo) * 0.05 : std::max(std::fabs(A.Lo) * 0.05, 1.0);
    A.Lo -= Pad, A.Hi += Pad;
    return A;
  }
};

std::string svgHeader(int W, int H, const std::string &Title) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
         std::to_string(W) + "\" height=\"" + std::to_string(H) + "\" font-family=\"sans-serif\" font-size=\"12\">\n" +
         "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"" + std::to_string(W / 2) +
         "\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">" + xmlText(Title) + "</text>\n";
}

/// Axis lines, 5 tick labels per axis and the axis titles.
std::string svgAxes(const Axis &X, const Axis &Y, const std::string &XName, const std::string &YName) {
  std::ostringstream OS;
  OS << "<g stroke=\"black\"><line x1=\"" << X.From << "\" y1=\"" << Y.From << "\" x2=\"" << X.To << "\" y2=\""
     << Y.From << "\"/><line x1=\"" << X.From << "\" y1=\"" << Y.From << "\" x2=\"" << X.From << "\" y2=\"" << Y.To
     << "\"/></g>\n";
  for (int K = 0; K <= 4; ++K) {
    const double Vx = X.Lo + (X.Hi - X.Lo) * K / 4, Vy = Y.Lo + (Y.Hi - Y.Lo) * K / 4;
    OS << "<text x=\"" << X.map(Vx) << "\" y=\"" << Y.From + 16 << "\" text-anchor=\"middle\">" << fmt("%.4g", Vx)
       << "</text>\n";
    OS << "<text x=\"" << X.From - 6 << "\" y=\"" << Y.map(Vy) + 4 << "\" text-anchor=\"end\">" << fmt("%.4g", Vy)
       << "</text>\n";
  }
  OS << "<text x=\"" << (X.From + X.To) / 2 << "\" y=\"" << Y.From + 36 << "\" text-anchor=\"middle\">"
     << xmlText(XName) << "</text>\n";
  OS << "<text x=\"16\" y=\"" << (Y.From + Y.To) / 2 << "\" text-anchor=\"middle\" transform=\"rotate(-90 16 "
     << (Y.From + Y.To) / 2 << ")\">" << xmlText(YName) << "</text>\n";
  return OS.str();
}

/// A log10 axis over whole decades [10^Lo, 10^Hi] mapped to pixels [From, To].
struct LogAxis {
  int Lo = 0, Hi = 1;
  double From = 0, To = 1;
  double map(double V) const { return From + (std::log10(V) - Lo) / double(Hi - Lo) * (To - From); }
  /// The decades around [Min, Max] (both positive).
  static LogAxis of(double Min, double Max, double From, double To) {
    LogAxis A{int(std::floor(std::log10(Min))), int(std::ceil(std::log10(Max))), From, To};
    if (A.Hi <= A.Lo)
      A.Hi = A.Lo + 1;
    return A;
  }
};

/// Log axes: lines, a grid line and label per decade, the axis titles. The group carries the axes' decades and
/// pixel ranges so that a reader (the tests) can map a dot back to its values.
std::string logAxes(const LogAxis &X, const LogAxis &Y, const std::string &XName, const std::string &YName) {
  std::ostringstream OS;
  OS << "<g id=\"axes\" data-log10-x=\"" << X.Lo << " " << X.Hi << "\" data-px-x=\"" << X.From << " " << X.To
     << "\" data-log10-y=\"" << Y.Lo << " " << Y.Hi << "\" data-px-y=\"" << Y.From << " " << Y.To
     << "\" stroke=\"black\"><line x1=\"" << X.From << "\" y1=\"" << Y.From << "\" x2=\"" << X.To << "\" y2=\""
     << Y.From << "\"/><line x1=\"" << X.From << "\" y1=\"" << Y.From << "\" x2=\"" << X.From << "\" y2=\"" << Y.To
     << "\"/></g>\n";
  for (int D = X.Lo; D <= X.Hi; ++D) {
    const std::string Px = fmt("%.2f", X.map(std::pow(10.0, D)));
    OS << "<line x1=\"" << Px << "\" y1=\"" << Y.From << "\" x2=\"" << Px << "\" y2=\"" << Y.To
       << "\" stroke=\"#eeeeee\"/>\n<text x=\"" << Px << "\" y=\"" << Y.From + 16 << "\" text-anchor=\"middle\">"
       << fmt("%g", std::pow(10.0, D)) << "</text>\n";
  }
  for (int D = Y.Lo; D <= Y.Hi; ++D) {
    const double Py = Y.map(std::pow(10.0, D));
    OS << "<line x1=\"" << X.From << "\" y1=\"" << fmt("%.2f", Py) << "\" x2=\"" << X.To << "\" y2=\""
       << fmt("%.2f", Py) << "\" stroke=\"#eeeeee\"/>\n<text x=\"" << X.From - 6 << "\" y=\"" << fmt("%.2f", Py + 4)
       << "\" text-anchor=\"end\">" << fmt("%g", std::pow(10.0, D)) << "</text>\n";
  }
  OS << "<text x=\"" << (X.From + X.To) / 2 << "\" y=\"" << Y.From + 36 << "\" text-anchor=\"middle\">"
     << xmlText(XName) << "</text>\n";
  OS << "<text x=\"16\" y=\"" << (Y.From + Y.To) / 2 << "\" text-anchor=\"middle\" transform=\"rotate(-90 16 "
     << (Y.From + Y.To) / 2 << ")\">" << xmlText(YName) << "</text>\n";
  return OS.str();
}

/// The roofs of a roofline plot: bandwidth x intensity up to the ridge (Peak / Bw), then the peak; the bandwidth
/// roof starts where it enters the plot (at the bottom edge or the left one). With their labels.
std::string roofLines(const LogAxis &X, const LogAxis &Y, double Peak, double Bw, double ClockMHz) {
  const double X0 = std::max(std::pow(10.0, X.Lo), std::pow(10.0, Y.Lo) / Bw), Xr = std::pow(10.0, X.Hi);
  std::string S = "<polyline id=\"roof\" fill=\"none\" stroke=\"black\" stroke-width=\"2\" points=\"" +
                  fmt("%.2f,", X.map(X0)) + fmt("%.2f ", Y.map(Bw * X0)) + fmt("%.2f,", X.map(Peak / Bw)) +
                  fmt("%.2f ", Y.map(Peak)) + fmt("%.2f,", X.map(Xr)) + fmt("%.2f", Y.map(Peak)) + "\"/>\n";
  S += "<text x=\"" + fmt("%.2f", X.To - 4) + "\" y=\"" + fmt("%.2f", Y.map(Peak) - 6) +
       "\" text-anchor=\"end\">compute roof: " + fmt("%g", Peak) + " MACs/cycle (" +
       fmt("%.4g", Peak * ClockMHz / 1e3) + " GMAC/s at " + fmt("%g", ClockMHz) + " MHz)</text>\n";
  return S + "<text x=\"" + fmt("%.2f", X.map(X0) + 6) + "\" y=\"" + fmt("%.2f", Y.map(Bw * X0) - 8) +
         "\">bandwidth roof: " + fmt("%g", Bw) + " B/cycle</text>\n";
}

/// A file-name-safe name of a model: its file's stem, or its folder's name for the zoo's "model.onnx".
std::string modelFileName(const std::string &Path) {
  const std::filesystem::path P(Path);
  std::string Name = P.stem().string();
  if (Name == "model" && P.has_parent_path() && !P.parent_path().filename().empty())
    Name = P.parent_path().filename().string();
  for (char &C : Name)
    if (!std::isalnum(static_cast<unsigned char>(C)) && C != '-' && C != '_' && C != '.')
      C = '_';
  return Name.empty() ? "model" : Name;
}

/// A dot's label: exporters' names are paths ("StatefulPartitionedCall/functional_1/conv2d_3/BiasAdd"), of
/// which the last two components tell layers apart; at most 28 characters (the tooltip has the whole name).
std::string shortLabel(const std::string &Node) {
  std::string L = Node;
  if (const size_t Last = Node.rfind('/'); Last != std::string::npos && Last > 0)
    if (const size_t Prev = Node.rfind('/', Last - 1); Prev != std::string::npos)
      L = Node.substr(Prev + 1);
  return L.size() <= 28 ? L : ".." + L.substr(L.size() - 26);
}

/// The point whose rooflines the report draws among one backend's points: Want (an index, or a config hash
/// or prefix of one), else the fastest point whose every model ran; nullptr when none matches.
const PointTotals *rooflinePoint(const std::vector<PointTotals> &Points, const std::string &Want) {
  const PointTotals *Best = nullptr;
  const bool IsIndex =
      !Want.empty() && Want.size() < 8 && std::all_of(Want.begin(), Want.end(), [](char C) { return std::isdigit(C); });
  for (const PointTotals &P : Points) {
    if (Want.empty()) {
      if (P.Ok && (!Best || P.TimeUs < Best->TimeUs))
        Best = &P;
    } else if (IsIndex ? std::to_string(P.PointIndex) == Want : P.ConfigHash.rfind(Want, 0) == 0) {
      return &P;
    }
  }
  return Best;
}

Status writeFile(const std::string &Path, const std::string &Text) {
  std::ofstream Out(Path, std::ios::binary | std::ios::trunc);
  Out << Text;
  Out.close();
  if (!Out)
    return makeError(Path, ": cannot write");
  return Status::ok();
}

} // namespace

std::vector<PointTotals> pointTotals(const std::vector<PointResult> &Rows) {
  std::map<std::string, size_t> Index;
  std::vector<PointTotals> R;
  for (const PointResult &Row : Rows) {
    const std::string Key = Row.ConfigHash + "|" + Row.Backend + "|" + Row.CompilerVersion;
    auto [It, New] = Index.try_emplace(Key, R.size());
    if (New)
      R.push_back({Row.PointIndex, Row.ConfigHash, Row.Backend, Row.Params});
    PointTotals &P = R[It->second];
    P.Ok &= Row.Status == "ok";
    P.TimeUs += Row.TimeUs, P.EnergyPj += Row.EnergyPj, P.AreaUm2 = Row.AreaUm2, ++P.Models;
  }
  return R;
}

std::string resultsCsv(const std::vector<PointResult> &Rows) {
  std::vector<std::string> Keys;
  for (const PointResult &R : Rows)
    for (const auto &[K, V] : params(R.Params))
      if (std::find(Keys.begin(), Keys.end(), K) == Keys.end())
        Keys.push_back(K);
  std::ostringstream OS;
  OS << "point_index,model,backend,status,reason,cycles,time_us,useful_macs,executed_macs,mac_utilization,"
        "dram_bytes,area_um2,energy_pj,npu_nodes,host_nodes,wall_s,config_name,config_hash,compiler_version";
  for (const std::string &K : Keys)
    OS << "," << csvField(K);
  OS << "\n";
  for (const PointResult &R : Rows) {
    OS << R.PointIndex << "," << csvField(R.Model) << "," << R.Backend << "," << R.Status << "," << csvField(R.Reason)
       << "," << R.Cycles << "," << fmt("%.6g", R.TimeUs) << "," << R.UsefulMacs << "," << R.ExecutedMacs << ","
       << fmt("%.6g", R.MacUtilization) << "," << R.DramBytes << "," << fmt("%.6g", R.AreaUm2) << ","
       << fmt("%.6g", R.EnergyPj) << "," << R.NpuNodes << "," << R.HostNodes << "," << fmt("%.3f", R.WallS) << ","
       << csvField(R.ConfigName) << "," << R.ConfigHash << "," << csvField(R.CompilerVersion);
    const auto P = params(R.Params);
    for (const std::string &K : Keys) {
      auto It = std::find_if(P.begin(), P.end(), [&](const auto &KV) { return KV.first == K; });
      OS << "," << (It == P.end() ? "" : csvField(It->second));
    }
    OS << "\n";
  }
  return OS.str();
}

std::string paretoSvg(const std::vector<PointTotals> &Points, bool EnergyAxis, const std::string &Title) {
  std::vector<PointTotals> Ok;
  for (const PointTotals &P : Points)
    if (P.Ok)
      Ok.push_back(P);
  std::vector<double> Xs, Ys;
  std::vector<std::pair<double, double>> XY;
  for (const PointTotals &P : Ok) {
    Xs.push_back(P.TimeUs), Ys.push_back(EnergyAxis ? P.EnergyPj / 1e6 : P.AreaUm2 / 1e6);
    XY.push_back({Xs.back(), Ys.back()});
  }
  const Axis X = Axis::of(Xs, 80, 620), Y = Axis::of(Ys, 420, 40);
  std::string S = svgHeader(660, 470, Title) +
                  svgAxes(X, Y, "latency (us, summed over models)", EnergyAxis ? "energy (uJ)" : "area (mm^2)");
  const std::vector<size_t> Front = paretoFront(XY);
  std::set<size_t> OnFront(Front.begin(), Front.end());
  std::string Line;
  for (size_t K : Front)
    Line += fmt("%.1f,", X.map(Xs[K])) + fmt("%.1f ", Y.map(Ys[K]));
  if (!Line.empty())
    S += "<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"1.5\" points=\"" + Line + "\"/>\n";
  for (size_t K = 0; K < Ok.size(); ++K) {
    std::string Label = "point " + std::to_string(Ok[K].PointIndex);
    for (const auto &[Key, V] : params(Ok[K].Params))
      Label += " " + Key + "=" + V;
    S += "<circle cx=\"" + fmt("%.1f", X.map(Xs[K])) + "\" cy=\"" + fmt("%.1f", Y.map(Ys[K])) + "\" r=\"5\" " +
         (OnFront.count(K) ? "fill=\"#d62728\"" : "fill=\"none\" stroke=\"#1f77b4\"") + "><title>" + xmlText(Label) +
         "</title></circle>\n";
  }
  return S + "</svg>\n";
}

std::string heatMapSvg(const std::vector<PointTotals> &Points, const std::string &KeyX, const std::string &KeyY) {
  std::vector<std::string> Xv, Yv;
  std::map<std::pair<std::string, std::string>, double> Best;
  for (const PointTotals &P : Points) {
    std::string Vx, Vy;
    for (const auto &[K, V] : params(P.Params)) {
      if (K == KeyX)
        Vx = V;
      if (K == KeyY)
        Vy = V;
    }
    if (Vx.empty() || Vy.empty())
      continue;
    if (std::find(Xv.begin(), Xv.end(), Vx) == Xv.end())
      Xv.push_back(Vx);
    if (std::find(Yv.begin(), Yv.end(), Vy) == Yv.end())
      Yv.push_back(Vy);
    if (!P.Ok)
      continue;
    auto [It, New] = Best.try_emplace({Vx, Vy}, P.TimeUs);
    if (!New)
      It->second = std::min(It->second, P.TimeUs);
  }
  double Lo = 1e300, Hi = -1e300;
  for (const auto &[K, V] : Best)
    Lo = std::min(Lo, V), Hi = std::max(Hi, V);
  const int Cell = 70, X0 = 120, Y0 = 50;
  std::string S = svgHeader(X0 + Cell * int(Xv.size()) + 40, Y0 + Cell * int(Yv.size()) + 60,
                            "best latency (us) by " + KeyX + " and " + KeyY);
  for (size_t I = 0; I < Xv.size(); ++I)
    for (size_t J = 0; J < Yv.size(); ++J) {
      auto It = Best.find({Xv[I], Yv[J]});
      const double F = It == Best.end() || Hi <= Lo ? 0 : (It->second - Lo) / (Hi - Lo);
      const std::string Fill =
          It == Best.end() ? "#dddddd"
                           : "rgb(" + std::to_string(int(255 * F)) + "," + std::to_string(int(200 * (1 - F))) + ",80)";
      const int X = X0 + Cell * int(I), Y = Y0 + Cell * int(J);
      S += "<rect x=\"" + std::to_string(X) + "\" y=\"" + std::to_string(Y) + "\" width=\"" + std::to_string(Cell) +
           "\" height=\"" + std::to_string(Cell) + "\" fill=\"" + Fill + "\" stroke=\"white\"/>\n";
      S += "<text x=\"" + std::to_string(X + Cell / 2) + "\" y=\"" + std::to_string(Y + Cell / 2 + 4) +
           "\" text-anchor=\"middle\">" + (It == Best.end() ? "-" : fmt("%.4g", It->second)) + "</text>\n";
    }
  for (size_t I = 0; I < Xv.size(); ++I)
    S += "<text x=\"" + std::to_string(X0 + Cell * int(I) + Cell / 2) + "\" y=\"" +
         std::to_string(Y0 + Cell * int(Yv.size()) + 18) + "\" text-anchor=\"middle\">" + xmlText(Xv[I]) + "</text>\n";
  for (size_t J = 0; J < Yv.size(); ++J)
    S += "<text x=\"" + std::to_string(X0 - 8) + "\" y=\"" + std::to_string(Y0 + Cell * int(J) + Cell / 2 + 4) +
         "\" text-anchor=\"end\">" + xmlText(Yv[J]) + "</text>\n";
  S += "<text x=\"" + std::to_string(X0 + Cell * int(Xv.size()) / 2) + "\" y=\"" +
       std::to_string(Y0 + Cell * int(Yv.size()) + 40) + "\" text-anchor=\"middle\">" + xmlText(KeyX) + "</text>\n";
  return S + "</svg>\n";
}

Expected<std::vector<LayerPoint>> rowLayers(const PointResult &Row) {
  const std::string What = "point " + std::to_string(Row.PointIndex) + ", " + Row.Model + ": bad per-layer record";
  auto J = parseJson(Row.Layers, What);
  if (!J)
    return J.error();
  std::vector<LayerPoint> R;
  try {
    for (const Json &L : J->is_array() ? *J : Json::array())
      R.push_back({L.at("node").get<std::string>(), L.at("cycles").get<uint64_t>(), L.at("span").get<uint64_t>(),
                   L.at("useful_macs").get<uint64_t>(), L.at("executed_macs").get<uint64_t>(),
                   L.at("dram_bytes").get<uint64_t>()});
  } catch (const Json::exception &E) {
    return makeError(What, ": ", E.what());
  }
  return R;
}

Expected<std::string> rooflineSvg(const PointResult &Row) {
  auto C = parseHardwareConfig(Row.ConfigYaml, "point " + std::to_string(Row.PointIndex));
  if (!C)
    return C.error();
  auto Layers = rowLayers(Row);
  if (!Layers)
    return Layers.error();
  if (Layers->empty())
    return makeError("point ", Row.PointIndex, ", ", Row.Model,
                     ": no per-layer record (a row of a schema 1 database); rerun the sweep with this npuc");
  const double Peak = double(C->D.PeakMacsPerCycle), Bw = double(C->DramBandwidth), Ridge = Peak / Bw;
  struct Dot {
    std::string Node;
    double X, Y;
  };
  std::vector<Dot> Dots;
  std::string Skipped;
  size_t NumSkipped = 0;
  for (const LayerPoint &L : *Layers) {
    if (L.UsefulMacs && L.DramBytes && L.Span)
      Dots.push_back({L.Node, double(L.UsefulMacs) / double(L.DramBytes), double(L.UsefulMacs) / double(L.Span)});
    else if (!L.Node.empty())
      Skipped += std::string(NumSkipped++ ? ", " : "") + shortLabel(L.Node);
  }
  if (Skipped.size() > 90)
    Skipped = Skipped.substr(0, 87) + "...";
  double MinX = Ridge / 4, MaxX = Ridge * 4, MinY = Peak / 100;
  for (const Dot &D : Dots)
    MinX = std::min(MinX, D.X), MaxX = std::max(MaxX, D.X), MinY = std::min(MinY, D.Y);
  const LogAxis X = LogAxis::of(MinX, MaxX, 80, 620), Y = LogAxis::of(MinY, Peak * 1.5, 420, 50);
  std::string S = svgHeader(660, 490,
                            modelFileName(Row.Model) + " on point " + std::to_string(Row.PointIndex) + " (" +
                                Row.Backend + ", " + C->Name + ")") +
                  logAxes(X, Y, "arithmetic intensity (useful MACs per DRAM byte)",
                          "useful MACs per cycle (over the layer's span)");
  S += roofLines(X, Y, Peak, Bw, C->ClockMHz);
  for (const Dot &D : Dots) {
    const std::string Cx = fmt("%.2f", X.map(D.X)), Cy = fmt("%.2f", Y.map(D.Y));
    S += "<circle class=\"layer\" data-node=\"" + xmlText(D.Node) + "\" cx=\"" + Cx + "\" cy=\"" + Cy +
         "\" r=\"4\" fill=\"#1f77b4\"><title>" + xmlText(D.Node) + ": " + fmt("%.4g", D.X) + " MACs/B, " +
         fmt("%.4g", D.Y) + " MACs/cycle (" + fmt("%.1f", 100 * D.Y / Peak) + "% of peak)</title></circle>\n";
    S += "<text x=\"" + fmt("%.2f", X.map(D.X) + 6) + "\" y=\"" + fmt("%.2f", Y.map(D.Y) - 4) + "\" font-size=\"9\">" +
         xmlText(shortLabel(D.Node)) + "</text>\n";
  }
  if (!Skipped.empty())
    S += "<text x=\"80\" y=\"480\" font-size=\"10\">" + std::to_string(NumSkipped) +
         " layers not plotted (no useful MACs or no DRAM traffic): " + xmlText(Skipped) + "</text>\n";
  return S + "</svg>\n";
}

namespace {

/// Writes Base-roofline-MODEL.svg for each model of the backend's chosen point; the report's lines about them.
Expected<std::string> rooflines(const std::vector<PointResult> &Rows, const std::vector<PointTotals> &Points,
                                const std::string &Want, const std::string &Base, bool &Found) {
  const PointTotals *P = rooflinePoint(Points, Want);
  if (!P)
    return std::string();
  Found = true;
  std::ostringstream OS;
  OS << "  roofline of point " << P->PointIndex << (Want.empty() ? " (the fastest)" : "") << ":";
  for (const PointResult &R : Rows) {
    if (R.ConfigHash != P->ConfigHash || R.Backend != P->Backend)
      continue;
    if (R.Status != "ok") {
      OS << " " << modelFileName(R.Model) << " (" << R.Status << ", no plot)";
      continue;
    }
    auto Svg = rooflineSvg(R);
    if (!Svg)
      return Svg.error();
    const std::string Path = Base + "-roofline-" + modelFileName(R.Model) + ".svg";
    NPU_TRY(writeFile(Path, *Svg));
    OS << " " << Path;
  }
  return OS.str() + "\n";
}

} // namespace

Expected<std::string> sweepReport(const std::vector<PointResult> &Rows, const ReportOptions &O) {
  std::map<std::string, size_t> ByStatus;
  for (const PointResult &R : Rows)
    ++ByStatus[R.Status];
  std::ostringstream OS;
  OS << Rows.size() << " rows (one per point and model):";
  for (const auto &[St, N] : ByStatus)
    OS << " " << N << " " << St;
  OS << "\n";
  const std::vector<PointTotals> All = pointTotals(Rows);
  bool RooflineFound = false;
  std::set<std::string> Backends;
  for (const PointTotals &P : All)
    Backends.insert(P.Backend);
  for (const std::string &B : Backends) {
    std::vector<PointTotals> Ok, OfBackend;
    for (const PointTotals &P : All)
      if (P.Backend == B) {
        OfBackend.push_back(P);
        if (P.Ok)
          Ok.push_back(P);
      }
    OS << "Pareto fronts, backend " << B << " (time and energy summed over the models of each point):\n"
       << frontTable(Ok, false) << frontTable(Ok, true);
    if (O.SvgDir.empty())
      continue;
    std::error_code Ec;
    std::filesystem::create_directories(O.SvgDir, Ec);
    const std::string Base = (std::filesystem::path(O.SvgDir) / B).string();
    NPU_TRY(writeFile(Base + "-pareto-area.svg", paretoSvg(OfBackend, false, "latency vs area (" + B + ")")));
    NPU_TRY(writeFile(Base + "-pareto-energy.svg", paretoSvg(OfBackend, true, "latency vs energy (" + B + ")")));
    const auto Keys = OfBackend.empty() ? decltype(params("")){} : params(OfBackend[0].Params);
    if (Keys.size() >= 2)
      NPU_TRY(writeFile(Base + "-heatmap.svg", heatMapSvg(OfBackend, Keys[0].first, Keys[1].first)));
    OS << "  plots: " << Base << "-pareto-area.svg, " << Base << "-pareto-energy.svg"
       << (Keys.size() >= 2 ? ", " + Base + "-heatmap.svg" : "") << "\n";
    auto Roof = rooflines(Rows, OfBackend, O.Roofline, Base, RooflineFound);
    if (!Roof)
      return Roof.error();
    OS << *Roof;
  }
  if (!O.Roofline.empty() && !RooflineFound)
    return makeError("--roofline ", O.Roofline, ": no such point (give a point index or a config hash prefix)");
  if (!O.CsvPath.empty()) {
    NPU_TRY(writeFile(O.CsvPath, resultsCsv(Rows)));
    OS << "csv: " << O.CsvPath << " (" << Rows.size() << " rows)\n";
  }
  return OS.str();
}

} // namespace npu::codesign
