// A small strict JSON reader for the tests: parses the stats and trace files back into values.
#pragma once

#include <cctype>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace minijson {

struct Value {
  enum Kind { Null, Bool, Number, String, Array, Object } K = Null;
  bool B = false;
  double N = 0;
  std::string S;
  std::vector<Value> A;
  std::map<std::string, Value> O;

  const Value &operator[](const std::string &Key) const {
    static const Value Missing;
    auto It = O.find(Key);
    return It == O.end() ? Missing : It->second;
  }
  bool has(const std::string &Key) const { return O.count(Key) != 0; }
  uint64_t u64() const { return uint64_t(N); }
};

/// Parses Text; returns nothing (and sets Error) if it is not exactly one JSON value.
class Parser {
public:
  explicit Parser(const std::string &Text) : T(Text) {}
  std::optional<Value> parse() {
    Value V;
    if (!value(V))
      return std::nullopt;
    space();
    if (P != T.size()) {
      fail("trailing characters");
      return std::nullopt;
    }
    return V;
  }
  std::string Error;

private:
  const std::string &T;
  size_t P = 0;

  bool fail(const std::string &Why) {
    if (Error.empty())
      Error = Why + " at offset " + std::to_string(P);
    return false;
  }
  void space() {
    while (P < T.size() && std::isspace(static_cast<unsigned char>(T[P])))
      ++P;
  }
  bool literal(const char *Word) {
    const std::string W(Word);
    if (T.compare(P, W.size(), W) != 0)
      return false;
    P += W.size();
    return true;
  }
  bool string(std::string &Out) {
    if (P >= T.size() || T[P] != '"')
      return (fail("expected a string"));
    ++P;
    while (P < T.size() && T[P] != '"') {
      char C = T[P++];
      if (static_cast<unsigned char>(C) < 0x20)
        return (fail("control character in a string"));
      if (C != '\\') {
        Out += C;
        continue;
      }
      if (P >= T.size())
        return (fail("unterminated escape"));
      C = T[P++];
      switch (C) {
      case '"':
      case '\\':
      case '/':
        Out += C;
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
      case 'b':
        Out += '\b';
        break;
      case 'f':
        Out += '\f';
        break;
      case 'u': {
        if (P + 4 > T.size())
          return (fail("short \\u escape"));
        const unsigned Code = unsigned(std::strtoul(T.substr(P, 4).c_str(), nullptr, 16));
        P += 4;
        if (Code >= 0x80)
          return (fail("non-ASCII \\u escape (not used by the writers under test)"));
        Out += char(Code);
        break;
      }
      default:
        return (fail("unknown escape"));
      }
    }
    if (P >= T.size())
      return (fail("unterminated string"));
    ++P;
    return true;
  }
  bool value(Value &V) {
    space();
    if (P >= T.size())
      return (fail("unexpected end"));
    const char C = T[P];
    if (C == '{') {
      V.K = Value::Object;
      ++P;
      space();
      if (P < T.size() && T[P] == '}')
        return ++P, true;
      for (;;) {
        space();
        std::string Key;
        if (!string(Key))
          return false;
        space();
        if (P >= T.size() || T[P] != ':')
          return (fail("expected ':'"));
        ++P;
        if (V.O.count(Key))
          return (fail("duplicate key '" + Key + "'"));
        if (!value(V.O[Key]))
          return false;
        space();
        if (P < T.size() && T[P] == ',') {
          ++P;
          continue;
        }
        if (P < T.size() && T[P] == '}')
          return ++P, true;
        return (fail("expected ',' or '}'"));
      }
    }
    if (C == '[') {
      V.K = Value::Array;
      ++P;
      space();
      if (P < T.size() && T[P] == ']')
        return ++P, true;
      for (;;) {
        V.A.emplace_back();
        if (!value(V.A.back()))
          return false;
        space();
        if (P < T.size() && T[P] == ',') {
          ++P;
          continue;
        }
        if (P < T.size() && T[P] == ']')
          return ++P, true;
        return (fail("expected ',' or ']'"));
      }
    }
    if (C == '"') {
      V.K = Value::String;
      return string(V.S);
    }
    if (literal("true") || literal("false")) {
      V.K = Value::Bool;
      V.B = T[P - 1] == 'e' && T[P - 2] == 'u';
      return true;
    }
    if (literal("null"))
      return true;
    const char *Begin = T.c_str() + P;
    char *End = nullptr;
    V.N = std::strtod(Begin, &End);
    if (End == Begin)
      return (fail("unexpected character"));
    V.K = Value::Number;
    P += size_t(End - Begin);
    return true;
  }
};

} // namespace minijson
