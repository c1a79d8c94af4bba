// Exact, round-trippable text of floats, strings and names, shared by the IR printer, parser and type
// formatting.
#pragma once

#include <string>
#include <string_view>

namespace npu::ir {

/// Shortest text that parses back to the same float; always has '.', 'e', "inf" or "nan" so it reads as a
/// float.
std::string formatFloat(float F);
std::string formatDouble(double D);
/// A double-quoted string with \" \\ \n \t and \xHH escapes.
std::string quoteString(std::string_view S);
/// Name as written after '%': bare when it is made of [A-Za-z0-9_./-], else quoted.
std::string formatName(std::string_view S);

} // namespace npu::ir

namespace npu::ir {
/// Operator and attribute names: bare when they look like an identifier, else quoted.
std::string formatIdent(std::string_view S);
} // namespace npu::ir
