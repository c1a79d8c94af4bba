// Tokenizer of the Graph IR text form: identifiers, %names, strings, numbers, hex data, punctuation.
#include "Lexer.h"

#include <cctype>

namespace npu::ir {

bool isIdentChar(char C) {
  return std::isalnum(static_cast<unsigned char>(C)) || C == '_' || C == '.' || C == '/' || C == '-';
}

void Lexer::advance() {
  if (Src[Pos] == '\n') {
    ++Line;
    Col = 1;
  } else {
    ++Col;
  }
  ++Pos;
}

Error Lexer::errorHere(const std::string &Msg) const {
  return makeError("line ", Line, ", col ", Col, ": ", Msg);
}

Expected<std::string> Lexer::quoted() {
  advance(); // opening quote
  std::string R;
  while (true) {
    if (Pos >= Src.size() || peek() == '\n')
      return errorHere("unterminated string");
    char C = peek();
    advance();
    if (C == '"')
      return R;
    if (C != '\\') {
      R += C;
      continue;
    }
    char E = peek();
    if (Pos >= Src.size())
      return errorHere("unterminated string");
    advance();
    if (E == 'n')
      R += '\n';
    else if (E == 't')
      R += '\t';
    else if (E == '"' || E == '\\')
      R += E;
    else if (E == 'x' && std::isxdigit(static_cast<unsigned char>(peek())) &&
             std::isxdigit(static_cast<unsigned char>(peek(1)))) {
      R += static_cast<char>(std::stoi(std::string(Src.substr(Pos, 2)), nullptr, 16));
      advance();
      advance();
    } else {
      return errorHere("bad escape in string");
    }
  }
}

Expected<Token> Lexer::next() {
  while (Pos < Src.size()) {
    char C = peek();
    if (C == '#') { // comment to end of line
      while (Pos < Src.size() && peek() != '\n')
        advance();
    } else if (std::isspace(static_cast<unsigned char>(C))) {
      advance();
    } else {
      break;
    }
  }
  Token T;
  T.Line = Line;
  T.Col = Col;
  if (Pos >= Src.size())
    return T;
  char C = peek();
  if (C == '"') {
    auto S = quoted();
    if (!S)
      return S.error();
    T.Kind = Tok::String;
    T.Text = *S;
    return T;
  }
  if (C == '%') {
    advance();
    T.Kind = Tok::Name;
    if (peek() == '"') {
      auto S = quoted();
      if (!S)
        return S.error();
      T.Text = *S;
      return T;
    }
    while (Pos < Src.size() && isIdentChar(peek())) {
      T.Text += peek();
      advance();
    }
    if (T.Text.empty())
      return errorHere("empty value name after '%'");
    return T;
  }
  if (C == '0' && (peek(1) == 'x' || peek(1) == 'X')) {
    advance();
    advance();
    T.Kind = Tok::Hex;
    while (Pos < Src.size() && std::isxdigit(static_cast<unsigned char>(peek()))) {
      T.Text += peek();
      advance();
    }
    return T;
  }
  if (std::isdigit(static_cast<unsigned char>(C)) ||
      ((C == '-' || C == '+') &&
       (std::isdigit(static_cast<unsigned char>(peek(1))) || peek(1) == 'i' || peek(1) == 'n'))) {
    T.Kind = Tok::Number;
    T.Text += C;
    advance();
    while (Pos < Src.size()) {
      char D = peek();
      bool Exp = (D == '+' || D == '-') && (T.Text.back() == 'e' || T.Text.back() == 'E');
      if (!(std::isalnum(static_cast<unsigned char>(D)) || D == '.' || Exp))
        break;
      T.Text += D;
      advance();
    }
    return T;
  }
  if (std::isalpha(static_cast<unsigned char>(C)) || C == '_') {
    T.Kind = Tok::Ident;
    while (Pos < Src.size() && isIdentChar(peek())) {
      T.Text += peek();
      advance();
    }
    return T;
  }
  if (std::string_view("{}()[],=:?<>").find(C) != std::string_view::npos) {
    T.Kind = Tok::Punct;
    T.Text = std::string(1, C);
    advance();
    return T;
  }
  return errorHere(std::string("unexpected character '") + C + "'");
}

} // namespace npu::ir
