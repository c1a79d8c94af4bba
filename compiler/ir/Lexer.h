// Tokenizer of the Graph IR text form (used by the parser only).
#pragma once

#include "npu/support/Status.h"

#include <string>
#include <string_view>

namespace npu::ir {

enum class Tok { Ident, Name, String, Number, Hex, Punct, End };

struct Token {
  Tok Kind = Tok::End;
  std::string Text; ///< identifier, unescaped name/string, number text, hex digits, or the punctuation char
  int Line = 1, Col = 1;
};

class Lexer {
public:
  explicit Lexer(std::string_view Src) : Src(Src) {}
  /// The next token, or an error for a malformed one.
  Expected<Token> next();
  /// Characters not yet read.
  size_t remaining() const { return Src.size() - Pos; }

private:
  Expected<std::string> quoted();
  Error errorHere(const std::string &Msg) const;
  char peek(size_t Off = 0) const { return Pos + Off < Src.size() ? Src[Pos + Off] : '\0'; }
  void advance();

  std::string_view Src;
  size_t Pos = 0;
  int Line = 1, Col = 1;
};

/// Characters of bare identifiers and names (after the first one).
bool isIdentChar(char C);

} // namespace npu::ir
