// Plain C++ references for the programs in examples/asm/, selected by their `.meta example` name.
#pragma once

#include "npu/isa/Program.h"
#include "npu/runtime/DType.h"

#include <string>
#include <vector>

namespace npu::examples {

/// Names of the examples this file knows.
std::vector<std::string> knownExamples();

/// The expected output tensors (in the program's output order) of example Name computed from Inputs (in the
/// program's input order) with straightforward loops written from each example's header comment.
Expected<std::vector<ir::NamedTensor>> referenceOutputs(const std::string &Name, const std::vector<ir::Tensor> &Inputs);

/// Reads a program's `.meta example` name and its input tensors from the program's own DRAM image, then
/// computes the reference outputs.
Expected<std::vector<ir::NamedTensor>> referenceForProgram(const isa::Program &P);

} // namespace npu::examples
