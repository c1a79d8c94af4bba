// JSON for every writer and reader of the project (stats, traces, reports, sweep columns, the tests), through
// nlohmann-json (Debian nlohmann-json3-dev) instead of text built by hand.
#pragma once

#include "npu/support/Status.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace npu {

/// A JSON value whose objects keep their members in insertion order, so a writer's output reads in the order
/// it was built and is byte-identical run to run.
using Json = nlohmann::ordered_json;

/// V as the number printf's Format ("%.6f", "%.6g", ...) shows it: the writers keep the precision they always
/// had, and the text is the shortest form of that value ("0.5" for "%.6f"'s "0.500000").
double jsonNumber(double V, const char *Format);

/// J as a file's text: two-space indentation, then a newline. Bytes that are not UTF-8 (names from a
/// hostile model) are replaced by U+FFFD instead of failing.
std::string jsonText(const Json &J);

/// J on one line without spaces (the JSON columns of the sweep database, trace files).
std::string jsonLine(const Json &J);

/// Text as JSON; an error names What and the position at fault.
Expected<Json> parseJson(std::string_view Text, const std::string &What);

} // namespace npu
