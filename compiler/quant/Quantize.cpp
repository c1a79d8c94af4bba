// quantize: calibrated int8 (or int16-activation) quantization of float models, or conversion of already
// quantized ones. Float models are calibrated on PassOptions::CalibDirs; quantized ones keep their own scales.
#include "Quantize.h"
#include "../passes/PassReport.h"
#include "QuantBiasCorrect.h"
#include "QuantMixed.h"
#include "QuantReport.h"
#include "QuantRewrite.h"
#include "QuantRounding.h"

#include "npu/compiler/support/Try.h"

#include <algorithm>
#include <sstream>

namespace npu::passes {
namespace {

/// A model quantized elsewhere keeps its own weights: on an int4 weight buffer they must already be 4-bit.
Status checkInt4Weights(const ir::Graph &G, const std::string &Config) {
  for (const ir::Node &N : G.nodes()) {
    if ((N.OpType != "npu.QConv" && N.OpType != "npu.QMatMul") || N.Inputs.size() < 2)
      continue;
    const ir::Value &W = G.value(N.Inputs[1]);
    if (!W.Data)
      continue;
    for (int64_t V : W.Data->toInt64s())
      if (V < -8 || V > 7)
        return makeError("node '", N.Name, "' (", N.OpType, "): the model's weight ", V, " does not fit config '",
                         Config, "''s int4 weights; quantize the float model for it, or use an int8 config");
  }
  return Status::ok();
}

/// A float graph's calibration: ranges (with the headroom), asymmetric intervals, GPTQ's input moments.
struct Calibration {
  std::vector<double> Ranges;
  std::vector<std::pair<double, double>> Bounds;
  std::map<size_t, InputMoments> Moments;
};

Expected<Calibration> calibrate(const ir::Graph &G, const std::vector<CalibSet> &Sets, const PassOptions &Opts,
                                double Headroom, std::vector<std::string> *Notes) {
  Calibration C;
  NPU_ASSIGN(C.Ranges,
             calibrateRanges(G, Sets, Opts.CalibMethod, Notes, Opts.AsymmetricActivations ? &C.Bounds : nullptr));
  for (size_t V = 0; V < C.Ranges.size(); ++V) {
    // The estimator's threshold bounds the signed interval too (minmax: the interval itself).
    if (!C.Bounds.empty())
      C.Bounds[V] = {std::max(C.Bounds[V].first, -C.Ranges[V]) * Headroom,
                     std::min(C.Bounds[V].second, C.Ranges[V]) * Headroom};
    if (C.Ranges[V] > 0)
      C.Ranges[V] *= Headroom;
  }
  if (Opts.WeightRounding == "gptq") {
    NPU_ASSIGN(C.Moments, collectInputMoments(G, Sets));
  }
  return C;
}

/// Post-training quantization of a float model: calibration, the rewrite, bias correction, and with
/// --mixed-precision the search over which layers stay float (each trial calibrated per fold, QuantMixed.h).
struct FloatQuantizer {
  const ir::Graph &G;
  const std::vector<CalibSet> &Sets;
  const PassOptions &Opts;
  ir::ElemType Act;
  double Headroom;

  Expected<ir::Graph> run() {
    if (Opts.AsymmetricActivations && Act != ir::ElemType::Int8)
      return makeError("--act-zero-point=asymmetric quantizes int8 activations; config '", Opts.Config->Name,
                       "' has ", dtypeName(Opts.Config->InputType), " activations");
    if (Opts.WeightRounding != "nearest" && Opts.WeightRounding != "gptq")
      return makeError("weight rounding must be nearest or gptq, not '", Opts.WeightRounding, "'");
    std::vector<std::string> Notes;
    NPU_ASSIGN(Calibration All, calibrate(G, Sets, Opts, Headroom, &Notes));
    NPU_ASSIGN(ir::Graph Quant, quantizeWith(All, Sets, {}, &Notes, Opts.Report));
    if (Opts.Report)
      for (const std::string &N : Notes)
        *Opts.Report << "quantize: " << N << "\n";
    if (!(Opts.MixedPrecisionDb > 0))
      return Quant;
    std::map<size_t, std::pair<Calibration, std::vector<CalibSet>>> Folds; // calibrated once per fold
    auto Trial = [&](const std::set<size_t> &K, size_t Fold) -> Expected<ir::Graph> {
      if (Fold >= Sets.size())
        return quantizeWith(All, Sets, K, nullptr, nullptr);
      if (!Folds.count(Fold)) {
        std::vector<CalibSet> Others;
        for (size_t S = 0; S < Sets.size(); ++S)
          if (S != Fold)
            Others.push_back(Sets[S]);
        NPU_ASSIGN(Calibration C, calibrate(G, Others, Opts, Headroom, nullptr));
        Folds.emplace(Fold, std::make_pair(std::move(C), std::move(Others)));
      }
      const auto &[C, Others] = Folds.at(Fold);
      return quantizeWith(C, Others, K, nullptr, nullptr);
    };
    return chooseMixedPrecision(G, Sets, Opts.MixedPrecisionDb, Trial, Opts.Report);
  }

  /// One quantization with the given nodes left float, calibrated by Cal (on all sets, or with
  /// --mixed-precision on every set but one), its bias corrected on the same sets.
  Expected<ir::Graph> quantizeWith(const Calibration &Cal, const std::vector<CalibSet> &CalSets,
                                   const std::set<size_t> &KeepFloat, std::vector<std::string> *Notes,
                                   std::ostream *Report) const {
    const int WeightBits = Opts.Config && Opts.Config->WeightType == DType::Int4 ? 4 : 8;
    NPU_ASSIGN(ir::Graph Q, quantizeFloatGraph(G, Cal.Ranges, Act, Notes, WeightBits,
                                               Opts.AsymmetricActivations ? &Cal.Bounds : nullptr,
                                               Opts.WeightRounding == "gptq" ? &Cal.Moments : nullptr, &KeepFloat));
    if (Opts.BiasCorrection)
      NPU_TRY(correctBias(G, Q, CalSets, Report));
    return Q;
  }
};

class Quantize : public Pass {
public:
  const char *name() const override { return "quantize"; }
  Status run(ir::Graph &G, const PassOptions &Opts) override {
    if (Opts.Config)
      NPU_TRY(checkQuantizeConfig(*Opts.Config));
    const bool Imported = isQuantizedModel(G);
    const ir::ElemType Act = activationType(Opts.Config);
    if (Imported && Act != ir::ElemType::Int8)
      return makeError("the model is already quantized (int8 operators with its own scales); config '",
                       Opts.Config->Name, "' has ", dtypeName(Opts.Config->InputType),
                       " activations: compile it with an int8 config");
    if (Imported && Opts.MixedPrecisionDb > 0)
      return makeError("--mixed-precision chooses layers of a float model to leave float; this model is already "
                       "quantized (its own scales are kept)");
    if (!Imported && Opts.CalibDirs.empty())
      return makeError(
          "no calibration data (--calib DIR): a float model is quantized with ranges measured on "
          "sample inputs");
    std::vector<CalibSet> Sets;
    if (!Opts.CalibDirs.empty()) {
      NPU_ASSIGN(Sets, loadCalibSets(G, Opts.CalibDirs));
    }
    ir::Graph Quant;
    double Headroom = 1;
    if (Imported) {
      NPU_ASSIGN(Quant, convertQuantizedGraph(G));
      if (Opts.Config && Opts.Config->WeightType == DType::Int4)
        NPU_TRY(checkInt4Weights(Quant, Opts.Config->Name));
    } else {
      Headroom = Opts.CalibHeadroom > 0 ? Opts.CalibHeadroom : Act == ir::ElemType::Int16 ? 4.0 : 1.0;
      FloatQuantizer F{G, Sets, Opts, Act, Headroom};
      NPU_ASSIGN(Quant, F.run());
    }
    std::string How =
        Imported ? "converted with the model's own scales"
                 : "calibration " + Opts.CalibMethod + " over " + std::to_string(Sets.size()) + " input sets" +
                       (Headroom != 1 ? ", ranges x" + (std::ostringstream() << Headroom).str() : std::string()) +
                       (Opts.AsymmetricActivations ? ", asymmetric activations" : "") +
                       (Opts.WeightRounding == "gptq" ? ", GPTQ weight rounding" : "") +
                       (Opts.MixedPrecisionDb > 0 ? ", mixed precision" : "");
    reportPass(Opts, "quantize", G.nodes().size(), Quant.nodes().size(), How);
    if (Opts.Report) {
      // The report measures on --report-on sets when given (how the ranges generalize), else on calibration.
      std::vector<CalibSet> On = Sets;
      if (!Opts.ReportDirs.empty()) {
        NPU_ASSIGN(On, loadCalibSets(G, Opts.ReportDirs));
      }
      NPU_TRY(writeQuantReport(*Opts.Report, G, Quant, On, Opts.ReportDirs.empty() ? "calibration" : "--report-on"));
    }
    G = std::move(Quant);
    return Status::ok();
  }
};

} // namespace

Status checkQuantizeConfig(const HardwareConfig &C) {
  const bool Act8 = C.InputType == DType::Int8 && C.OutputType == DType::Int8;
  const bool Act16 = C.InputType == DType::Int16 && C.OutputType == DType::Int16;
  const bool Wgt = C.WeightType == DType::Int8 || C.WeightType == DType::Int4;
  if ((Act8 || Act16) && Wgt && C.AccType == DType::Int32)
    return Status::ok();
  const std::string Why = !Wgt                         ? std::string(dtypeName(C.WeightType)) + " weights"
                          : C.AccType != DType::Int32  ? std::string(dtypeName(C.AccType)) + " accumulators"
                          : C.InputType != C.OutputType ? std::string("mixed activation types")
                                                        : std::string(dtypeName(C.InputType)) + " activations";
  return makeError("config '", C.Name, "' has ", dtypeName(C.InputType), " inputs, ", dtypeName(C.WeightType),
                   " weights, ", dtypeName(C.OutputType), " outputs and ", dtypeName(C.AccType),
                   " accumulators; the quantizer supports int8 or int4 weights, int32 accumulators and int8 or int16 "
                   "activations (inputs and outputs of one type, since the NPU reads what it writes): ",
                   Why, " are unsupported");
}

ir::ElemType activationType(const HardwareConfig *C) {
  return C && C->InputType == DType::Int16 ? ir::ElemType::Int16 : ir::ElemType::Int8;
}

/// The host pipeline's half of quantize: a model quantized elsewhere (QDQ, QLinear*, *Integer) becomes npu.Q*
/// operators with its own scales, which the host JIT runs on its int8 kernels; a float model is left alone
/// (the host runs it in float; PTQ needs calibration data and a target).
class ImportQuantized : public Pass {
public:
  const char *name() const override { return "import-quantized"; }
  Status run(ir::Graph &G, const PassOptions &Opts) override {
    if (!isQuantizedModel(G))
      return Status::ok();
    NPU_ASSIGN(ir::Graph Quant, convertQuantizedGraph(G));
    reportPass(Opts, "import-quantized", G.nodes().size(), Quant.nodes().size(), "converted with the model's own scales");
    G = std::move(Quant);
    return Status::ok();
  }
};

std::unique_ptr<Pass> createQuantizePass() { return std::make_unique<Quantize>(); }
std::unique_ptr<Pass> createImportQuantizedPass() { return std::make_unique<ImportQuantized>(); }

} // namespace npu::passes
