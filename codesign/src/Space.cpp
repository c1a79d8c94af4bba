// Space files of npuc sweep: parsing with yaml-cpp (errors at file:line:column), grid and random points, and
// each point's config derived from the base YAML by editing its node tree.
#include "npu/codesign/Space.h"

#include "ReadText.h"

#include "npu/support/Json.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

namespace npu::codesign {

namespace {

namespace fs = std::filesystem;

/// Every config key ("name", "core.block_in", ...) with its default value as YAML text.
const std::map<std::string, std::string> &defaultKeys() {
  static const std::map<std::string, std::string> Keys = [] {
    std::map<std::string, std::string> M;
    YAML::Node Root = YAML::Load(keyDefaultsConfig().canonicalYaml());
    for (auto It = Root.begin(); It != Root.end(); ++It) {
      const std::string Top = It->first.Scalar();
      if (It->second.IsScalar()) {
        M[Top] = It->second.Scalar();
        continue;
      }
      for (auto Jt = It->second.begin(); Jt != It->second.end(); ++Jt)
        M[Top + "." + Jt->first.Scalar()] = Jt->second.Scalar();
    }
    return M;
  }();
  return Keys;
}

struct SpaceParser {
  std::string Source, BaseDir;
  Space S;

  Error at(const YAML::Node &N, const std::string &Msg) const {
    return makeError(Source, ":", N.Mark().line + 1, ":", N.Mark().column + 1, ": ", Msg);
  }

  /// A path of the space file: relative to its folder when that file exists, else to the working folder.
  std::string resolve(const std::string &P) const {
    if (fs::path(P).is_absolute() || BaseDir.empty())
      return P;
    fs::path Near = fs::path(BaseDir) / P;
    return fs::exists(Near) ? Near.string() : P;
  }

  Status base(const YAML::Node &N) {
    if (!N.IsScalar())
      return at(N, "base: expected the path of a config file");
    S.BasePath = resolve(N.Scalar());
    auto Text = readText(S.BasePath, "config file");
    if (!Text)
      return at(N, "base: cannot open the config file '" + S.BasePath + "'");
    S.BaseYaml = Text.takeValue();
    auto C = parseHardwareConfig(S.BaseYaml, S.BasePath);
    if (!C)
      return at(N, "base: " + C.message());
    return Status::ok();
  }

  /// {min: A, max: B, step: S} (linear) or {min: A, max: B, scale: pow2} (doubling).
  Expected<std::vector<std::string>> range(const std::string &Key, const YAML::Node &N) {
    double Min = 0, Max = 0, Step = 1;
    bool Pow2 = false, HasMin = false, HasMax = false;
    for (auto It = N.begin(); It != N.end(); ++It) {
      const std::string K = It->first.Scalar();
      const YAML::Node V = It->second;
      if (K == "scale") {
        if (!V.IsScalar() || (V.Scalar() != "pow2" && V.Scalar() != "linear"))
          return at(V, Key + ": scale: expected linear or pow2");
        Pow2 = V.Scalar() == "pow2";
        continue;
      }
      if (K != "min" && K != "max" && K != "step")
        return at(It->first, Key + ": unknown range key '" + K + "' (min, max, step, scale)");
      auto X = V.IsScalar() ? parseConfigNumber(V.Scalar()) : Expected<double>(makeError("expected a number"));
      if (!X)
        return at(V, Key + ": " + K + ": " + X.message());
      (K == "min" ? Min : K == "max" ? Max : Step) = *X;
      HasMin |= K == "min", HasMax |= K == "max";
    }
    if (!HasMin || !HasMax)
      return at(N, Key + ": a range needs min and max");
    if (Min > Max || Step <= 0 || (Pow2 && Min <= 0))
      return at(N, Key + ": empty range (min <= max, step > 0, and min > 0 for pow2)");
    std::vector<std::string> Values;
    for (double V = Min; V <= Max && Values.size() <= 10000; V = Pow2 ? V * 2 : V + Step) {
      std::ostringstream OS;
      OS << V;
      Values.push_back(OS.str());
    }
    if (Values.size() > 10000)
      return at(N, Key + ": more than 10000 values");
    return Values;
  }

  Status parameters(const YAML::Node &N) {
    if (!N.IsMap())
      return at(N, "parameters: expected a mapping of config keys to value lists or ranges");
    for (auto It = N.begin(); It != N.end(); ++It) {
      const YAML::Node KeyNode = It->first, V = It->second;
      const std::string Key = KeyNode.Scalar();
      if (!defaultKeys().count(Key))
        return at(KeyNode, Key + ": not a config key (docs/config-schema.md lists them)");
      for (const Parameter &P : S.Params)
        if (P.Key == Key)
          return at(KeyNode, Key + ": given twice");
      Parameter P{Key, {}, KeyNode.Mark().line + 1};
      if (V.IsSequence()) {
        for (const YAML::Node &E : V) {
          if (!E.IsScalar())
            return at(E, Key + ": expected a list of single values");
          P.Values.push_back(E.Scalar());
        }
      } else if (V.IsMap()) {
        auto R = range(Key, V);
        if (!R)
          return R.error();
        P.Values = R.takeValue();
      } else {
        return at(V, Key + ": expected a list of values [a, b] or a range {min, max, step | scale: pow2}");
      }
      if (P.Values.empty())
        return at(V, Key + ": no values");
      S.Params.push_back(std::move(P));
    }
    return Status::ok();
  }

  Status constraints(const YAML::Node &N) {
    if (!N.IsSequence())
      return at(N, "constraints: expected a list of expressions");
    for (const YAML::Node &E : N) {
      if (!E.IsScalar())
        return at(E, "constraints: expected an expression such as 'core.block_out % core.block_in == 0'");
      auto Check = evaluateExpression(E.Scalar(), [](const std::string &Key) -> Expected<double> {
        if (!defaultKeys().count(Key))
          return makeError("not a config key");
        return 1.0;
      });
      if (!Check && Check.message().find("division by zero") == std::string::npos)
        return at(E, "constraint " + Check.message());
      S.Constraints.push_back({E.Scalar(), E.Mark().line + 1, E.Mark().column + 1});
    }
    return Status::ok();
  }

  Status strategy(const YAML::Node &N) {
    if (!N.IsScalar())
      return at(N, "strategy: expected grid, random N or adaptive K");
    std::istringstream IS(N.Scalar());
    std::vector<std::string> Words;
    for (std::string W; IS >> W;)
      Words.push_back(W);
    if (Words.size() == 1 && Words[0] == "grid") {
      S.Strategy = StrategyKind::Grid;
      return Status::ok();
    }
    const std::string Kind = Words.empty() ? "" : Words[0];
    auto Count = Words.size() == 2 ? parseConfigBytes(Words[1]) : Expected<uint64_t>(makeError("no count"));
    if ((Kind != "random" && Kind != "adaptive") || !Count || *Count == 0)
      return at(N, "strategy: expected grid, random N or adaptive K (N, K > 0), got '" + N.Scalar() + "'");
    S.Strategy = Kind == "random" ? StrategyKind::Random : StrategyKind::Adaptive;
    S.Count = *Count;
    return Status::ok();
  }

  Status models(const YAML::Node &N) {
    if (!N.IsSequence())
      return at(N, "models: expected a list of ONNX files");
    for (const YAML::Node &E : N) {
      if (!E.IsScalar())
        return at(E, "models: expected a path");
      S.Models.push_back(resolve(E.Scalar()));
    }
    return Status::ok();
  }

  Status seed(const YAML::Node &N) {
    auto V = N.IsScalar() ? parseConfigBytes(N.Scalar()) : Expected<uint64_t>(makeError("expected an integer"));
    if (!V)
      return at(N, "seed: " + V.message());
    S.Seed = *V;
    return Status::ok();
  }

  Status root(const YAML::Node &Root) {
    if (!Root.IsMap())
      return Error(Source + ": a space file is a mapping (base, parameters, constraints, strategy)");
    S.BaseYaml = "{}";
    for (auto It = Root.begin(); It != Root.end(); ++It) {
      const std::string K = It->first.Scalar();
      const YAML::Node V = It->second;
      Status St = K == "base"          ? base(V)
                  : K == "parameters"  ? parameters(V)
                  : K == "constraints" ? constraints(V)
                  : K == "strategy"    ? strategy(V)
                  : K == "models"      ? models(V)
                  : K == "seed"        ? seed(V)
                                       : Status(at(It->first, "unknown key '" + K +
                                                                  "' (base, parameters, constraints, strategy, "
                                                                         "seed, models)"));
      NPU_TRY(St);
    }
    if (S.Params.empty())
      return Error(Source + ": parameters: no parameter to sweep");
    return Status::ok();
  }
};

/// The value of Key for a point whose config tree is Node: set there, else the default.
Expected<double> keyValue(const YAML::Node &Node, const std::string &Key) {
  auto Default = defaultKeys().find(Key);
  if (Default == defaultKeys().end())
    return makeError("not a config key");
  const size_t Dot = Key.find('.');
  YAML::Node V = Dot == std::string::npos ? Node[Key] : Node[Key.substr(0, Dot)][Key.substr(Dot + 1)];
  return parseConfigNumber(V && V.IsScalar() ? V.Scalar() : Default->second);
}

/// Sets every value of the point in a copy of the base config's tree.
YAML::Node pointTree(const YAML::Node &Base, const std::vector<std::pair<std::string, std::string>> &Values) {
  YAML::Node N = YAML::Clone(Base);
  if (!N.IsMap())
    N = YAML::Node(YAML::NodeType::Map);
  for (const auto &[Key, Value] : Values) {
    const size_t Dot = Key.find('.');
    if (Dot == std::string::npos)
      N[Key] = Value;
    else
      N[Key.substr(0, Dot)][Key.substr(Dot + 1)] = Value;
  }
  return N;
}

} // namespace

uint64_t Space::gridSize() const {
  uint64_t N = 1;
  for (const Parameter &P : Params)
    N *= P.Values.size();
  return N;
}

std::string Point::label() const {
  std::string L;
  for (const auto &[K, V] : Values)
    L += (L.empty() ? "" : " ") + K + "=" + V;
  return L;
}

std::string Point::json() const {
  Json J = Json::object();
  for (const auto &[K, V] : Values)
    J[K] = V;
  return jsonLine(J);
}

Expected<Space> parseSpace(const std::string &Text, const std::string &SourceName, const std::string &BaseDir) {
  SpaceParser P{SourceName, BaseDir, {}};
  P.S.Path = SourceName;
  YAML::Node Root;
  try {
    Root = YAML::Load(Text);
  } catch (const YAML::Exception &E) {
    return makeError(SourceName, ":", E.mark.line + 1, ":", E.mark.column + 1, ": invalid YAML: ", E.msg);
  }
  NPU_TRY(P.root(Root));
  return P.S;
}

Expected<Space> loadSpace(const std::string &Path) {
  auto Text = readText(Path, "space file");
  if (!Text)
    return Text.error();
  return parseSpace(*Text, Path, fs::path(Path).parent_path().string());
}

Expected<std::vector<Point>> enumeratePoints(const Space &S, uint64_t *Excluded) {
  YAML::Node Base;
  try {
    Base = YAML::Load(S.BaseYaml);
  } catch (const YAML::Exception &E) {
    return makeError(S.BasePath, ": invalid YAML: ", E.msg);
  }
  std::vector<Point> Points;
  uint64_t Dropped = 0;
  const uint64_t N = S.gridSize();
  for (uint64_t I = 0; I < N; ++I) {
    Point P;
    P.Index = I;
    uint64_t Rest = I;
    for (size_t K = S.Params.size(); K-- > 0;) {
      const Parameter &Par = S.Params[K];
      P.Values.insert(P.Values.begin(), {Par.Key, Par.Values[Rest % Par.Values.size()]});
      Rest /= Par.Values.size();
    }
    YAML::Node Tree = pointTree(Base, P.Values);
    bool Keep = true;
    for (const Constraint &C : S.Constraints) {
      auto V = evaluateExpression(C.Text, [&](const std::string &Key) { return keyValue(Tree, Key); });
      if (!V)
        return makeError(S.Path, ":", C.Line, ":", C.Column, ": constraint ", V.message(), " (point ", P.label(), ")");
      Keep &= *V != 0;
    }
    if (!Keep) {
      ++Dropped;
      continue;
    }
    YAML::Emitter E;
    E << Tree;
    P.Yaml = std::string(E.c_str()) + "\n";
    Points.push_back(std::move(P));
  }
  if (Excluded)
    *Excluded = Dropped;
  if (S.Strategy == StrategyKind::Random && S.Count < Points.size()) {
    std::mt19937_64 Gen(S.Seed);
    std::shuffle(Points.begin(), Points.end(), Gen);
    Points.resize(S.Count);
    std::sort(Points.begin(), Points.end(), [](const Point &A, const Point &B) { return A.Index < B.Index; });
  }
  return Points;
}

Expected<HardwareConfig> pointConfig(const Space &S, const Point &P) {
  // The loader names a position in the derived YAML, which no one sees: the error names the point instead,
  // and the line of the space file's parameter when the key at fault is one the space sets.
  const std::string Marker = "\x1f";
  auto C = parseHardwareConfig(P.Yaml, Marker);
  if (C)
    return C;
  std::string Msg = C.message();
  if (Msg.rfind(Marker, 0) == 0) {
    Msg = Msg.substr(Marker.size());
    size_t Colon = 0;
    while (Colon < Msg.size() && (Msg[Colon] == ':' || std::isdigit(static_cast<unsigned char>(Msg[Colon]))))
      ++Colon;
    Msg = Msg.substr(Colon);
    if (Msg.rfind(" ", 0) == 0)
      Msg = Msg.substr(1);
  }
  std::string Where = S.Path;
  for (const Parameter &Par : S.Params)
    if (Msg.rfind(Par.Key + ":", 0) == 0)
      Where += ":" + std::to_string(Par.Line);
  return makeError(Where, ": point ", P.Index, " (", P.label(), "): ", Msg);
}

} // namespace npu::codesign
