// quantize: calibrated int8 quantization of float models, or conversion of already quantized ones.
// Float models are calibrated on PassOptions::CalibDirs; quantized ones keep their own scales.
#include "Quantize.h"
#include "PassReport.h"
#include "QuantBiasCorrect.h"
#include "QuantReport.h"
#include "QuantRewrite.h"

#include "npu/compiler/support/Try.h"

namespace npu::passes {
namespace {

class Quantize : public Pass {
public:
  const char *name() const override { return "quantize"; }
  Status run(ir::Graph &G, const PassOptions &Opts) override {
    if (Opts.Config)
      NPU_TRY(checkQuantizeConfig(*Opts.Config));
    const bool Imported = isQuantizedModel(G);
    if (!Imported && Opts.CalibDirs.empty())
      return makeError(
          "no calibration data (--calib DIR): a float model is quantized with ranges measured on "
          "sample inputs");
    std::vector<CalibSet> Sets;
    if (!Opts.CalibDirs.empty()) {
      NPU_ASSIGN(Sets, loadCalibSets(G, Opts.CalibDirs));
    }
    ir::Graph Quant;
    if (Imported) {
      NPU_ASSIGN(Quant, convertQuantizedGraph(G));
    } else {
      std::vector<std::string> Notes;
      NPU_ASSIGN(std::vector<double> Ranges, calibrateRanges(G, Sets, Opts.CalibMethod, &Notes));
      if (Opts.Report)
        for (const std::string &N : Notes)
          *Opts.Report << "quantize: " << N << "\n";
      NPU_ASSIGN(Quant, quantizeFloatGraph(G, Ranges));
      if (Opts.BiasCorrection)
        NPU_TRY(correctBias(G, Quant, Sets, Opts.Report));
    }
    std::string How =
        Imported ? "converted with the model's own scales"
                 : "calibration " + Opts.CalibMethod + " over " + std::to_string(Sets.size()) + " input sets";
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
  if (C.InputType != DType::Int8 || C.WeightType != DType::Int8 || C.OutputType != DType::Int8 ||
      C.AccType != DType::Int32)
    return makeError("config '", C.Name, "' has ", dtypeName(C.InputType), " inputs, ", dtypeName(C.WeightType),
                     " weights, ", dtypeName(C.OutputType), " outputs and ", dtypeName(C.AccType),
                     " accumulators; int8 quantization needs int8/int8/int8 with int32 (unsupported)");
  return Status::ok();
}

std::unique_ptr<Pass> createQuantizePass() { return std::make_unique<Quantize>(); }

} // namespace npu::passes
