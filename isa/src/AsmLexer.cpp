// Tokenizer for one line of NPU assembly, integer literals and string quoting (see docs/assembly.md).
#include "AsmLexer.h"

#include <cctype>

namespace npu::isa::asmtext {

namespace {

bool isSeparator(char C) { return C == ' ' || C == '\t' || C == '\r' || C == '\v' || C == '\f' || C == ','; }
bool isCommentStart(char C) { return C == ';' || C == '#'; }

int hexDigit(char C) {
  if (C >= '0' && C <= '9')
    return C - '0';
  if (C >= 'a' && C <= 'f')
    return C - 'a' + 10;
  if (C >= 'A' && C <= 'F')
    return C - 'A' + 10;
  return -1;
}

/// Decodes a quoted string starting after the opening quote at Line[Pos]; leaves Pos after the closing quote.
Status readQuoted(std::string_view Line, size_t &Pos, std::string &Out) {
  while (Pos < Line.size()) {
    char C = Line[Pos++];
    if (C == '"')
      return Status::ok();
    if (C != '\\') {
      Out += C;
      continue;
    }
    if (Pos >= Line.size())
      break;
    char E = Line[Pos++];
    switch (E) {
    case '\\':
    case '"':
      Out += E;
      break;
    case 'n':
      Out += '\n';
      break;
    case 't':
      Out += '\t';
      break;
    case 'r':
      Out += '\r';
      break;
    case 'x': {
      int Hi = Pos < Line.size() ? hexDigit(Line[Pos]) : -1;
      int Lo = Pos + 1 < Line.size() ? hexDigit(Line[Pos + 1]) : -1;
      if (Hi < 0 || Lo < 0)
        return makeError("bad escape in string: \\x needs two hex digits");
      Out += char(Hi * 16 + Lo);
      Pos += 2;
      break;
    }
    default:
      return makeError("unknown escape '\\", E, "' in string (use \\\\ \\\" \\n \\t \\r \\xHH)");
    }
  }
  return makeError("unterminated string (missing closing '\"')");
}

} // namespace

Expected<std::vector<Token>> tokenizeLine(std::string_view Line) {
  std::vector<Token> Out;
  size_t Pos = 0;
  while (Pos < Line.size()) {
    char C = Line[Pos];
    if (isSeparator(C)) {
      ++Pos;
      continue;
    }
    if (isCommentStart(C))
      break;
    Token T;
    while (Pos < Line.size()) {
      C = Line[Pos];
      if (isSeparator(C) || isCommentStart(C))
        break;
      ++Pos;
      if (C == '"') {
        NPU_TRY(readQuoted(Line, Pos, T.Value));
        T.Quoted = true;
      } else if (C == '=' && !T.HasKey && !T.Quoted) {
        T.HasKey = true;
        T.Key = std::move(T.Value);
        T.Value.clear();
        if (T.Key.empty())
          return makeError("'=' without a name before it");
      } else {
        T.Value += C;
      }
    }
    Out.push_back(std::move(T));
  }
  return Out;
}

Expected<int64_t> parseInteger(std::string_view S) {
  std::string_view Orig = S;
  bool Neg = false;
  if (!S.empty() && (S[0] == '-' || S[0] == '+')) {
    Neg = S[0] == '-';
    S.remove_prefix(1);
  }
  unsigned Base = 10;
  if (S.size() > 2 && S[0] == '0' && (S[1] == 'x' || S[1] == 'X')) {
    Base = 16;
    S.remove_prefix(2);
  }
  if (S.empty())
    return makeError("'", Orig, "' is not a number");
  // Accumulate the magnitude in uint64 so that INT64_MIN itself is representable.
  uint64_t Mag = 0;
  const uint64_t Limit = Neg ? uint64_t(INT64_MAX) + 1 : uint64_t(INT64_MAX);
  for (char C : S) {
    int D = hexDigit(C);
    if (D < 0 || unsigned(D) >= Base)
      return makeError("'", Orig, "' is not a number");
    if (Mag > (Limit - unsigned(D)) / Base)
      return makeError("number '", Orig, "' does not fit in 64 bits");
    Mag = Mag * Base + unsigned(D);
  }
  if (Neg)
    return Mag == uint64_t(INT64_MAX) + 1 ? INT64_MIN : -int64_t(Mag);
  return int64_t(Mag);
}

bool isIdentifierStart(char C) { return std::isalpha(static_cast<unsigned char>(C)) || C == '_' || C == '$'; }
bool isIdentifierChar(char C) {
  return isIdentifierStart(C) || std::isdigit(static_cast<unsigned char>(C)) || C == '.';
}

bool isIdentifier(std::string_view S) {
  if (S.empty() || !isIdentifierStart(S[0]))
    return false;
  for (char C : S)
    if (!isIdentifierChar(C))
      return false;
  return true;
}

std::string quoteString(std::string_view S) {
  static const char *Hex = "0123456789abcdef";
  std::string Out = "\"";
  for (char C : S) {
    unsigned char U = static_cast<unsigned char>(C);
    if (C == '"' || C == '\\') {
      Out += '\\';
      Out += C;
    } else if (C == '\n') {
      Out += "\\n";
    } else if (C == '\t') {
      Out += "\\t";
    } else if (C == '\r') {
      Out += "\\r";
    } else if (U < 0x20 || U == 0x7f) {
      Out += "\\x";
      Out += Hex[U >> 4];
      Out += Hex[U & 15];
    } else {
      Out += C; // printable ASCII and UTF-8 bytes pass through
    }
  }
  return Out + "\"";
}

std::string wordOrQuoted(std::string_view S) {
  bool Plain = !S.empty();
  for (char C : S) {
    unsigned char U = static_cast<unsigned char>(C);
    if (U <= 0x20 || U >= 0x7f || isSeparator(C) || isCommentStart(C) || C == '"' || C == '=')
      Plain = false;
  }
  return Plain ? std::string(S) : quoteString(S);
}

} // namespace npu::isa::asmtext
