// Line tokenizer and literal helpers shared by the assembler and the disassembler (internal to isa/src).
#pragma once

#include "npu/support/Status.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace npu::isa::asmtext {

/// One whitespace- or comma-separated word of a line. `key=value` words are split at the first unquoted '='.
/// A double-quoted part ("...") is decoded (escapes \\ \" \n \t \r \xHH) and may contain any character.
struct Token {
  std::string Key;   ///< the part before '=' (empty when HasKey is false)
  std::string Value; ///< the whole word, or the part after '='
  bool HasKey = false;
  bool Quoted = false; ///< the value (or part of it) was written as a quoted string
  /// How the token was written, for error messages.
  std::string spelling() const { return HasKey ? Key + "=" + Value : Value; }
};

/// Splits one source line into tokens; ';' and '#' outside quotes start a comment. Errors are messages
/// without a location (the caller adds file:line).
Expected<std::vector<Token>> tokenizeLine(std::string_view Line);

/// Parses an integer literal: decimal, 0x hexadecimal, with an optional leading '-' or '+'. Overflow of int64
/// is an error.
Expected<int64_t> parseInteger(std::string_view S);
bool isIdentifierStart(char C);
bool isIdentifierChar(char C);
/// True if S can be written without quotes as a symbol name.
bool isIdentifier(std::string_view S);
/// S as a double-quoted string that tokenizeLine decodes back to S exactly.
std::string quoteString(std::string_view S);
/// S unquoted if tokenizeLine reads it back as one plain word with no '=' (and it is not empty), else quoted.
std::string wordOrQuoted(std::string_view S);

} // namespace npu::isa::asmtext
