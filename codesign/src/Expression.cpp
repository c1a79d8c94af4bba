// Constraint expressions of space files: arithmetic, comparisons and logic over config keys and sizes.
#include "npu/codesign/Space.h"

#include <cctype>
#include <cmath>

namespace npu::codesign {

namespace {

/// Recursive descent over the text, evaluating as it goes (expressions are short and evaluated once per point).
class ExprParser {
public:
  using LookupFn = std::function<Expected<double>(const std::string &)>;
  ExprParser(const std::string &Text, const LookupFn &Lookup) : T(Text), Lookup(Lookup) {}

  Expected<double> parse() {
    auto V = orExpr();
    if (!V)
      return V;
    skip();
    if (Pos != T.size())
      return err("unexpected '" + T.substr(Pos) + "'");
    return V;
  }

private:
  const std::string &T;
  const LookupFn &Lookup;
  size_t Pos = 0;

  Error err(const std::string &Msg) const { return makeError("in '", T, "' at column ", Pos + 1, ": ", Msg); }
  void skip() {
    while (Pos < T.size() && std::isspace(static_cast<unsigned char>(T[Pos])))
      ++Pos;
  }
  bool eat(const char *Op) {
    skip();
    std::string S(Op);
    if (T.compare(Pos, S.size(), S) != 0)
      return false;
    // "<" must not take the first half of "<=", "=" alone is not an operator.
    if (S.size() == 1 && Pos + 1 < T.size() && T[Pos + 1] == '=' && (S == "<" || S == ">" || S == "!"))
      return false;
    Pos += S.size();
    return true;
  }

  /// Or binds looser than and: orExpr is logic(true), whose operands are logic(false).
  Expected<double> logic(bool Or) {
    auto L = Or ? logic(false) : cmpExpr();
    while (L && eat(Or ? "||" : "&&")) {
      auto R = Or ? logic(false) : cmpExpr();
      if (!R)
        return R;
      L = double(Or ? (*L != 0 || *R != 0) : (*L != 0 && *R != 0));
    }
    return L;
  }
  Expected<double> orExpr() { return logic(true); }
  Expected<double> cmpExpr() {
    auto L = sumExpr();
    if (!L)
      return L;
    static const char *Ops[] = {"==", "!=", "<=", ">=", "<", ">"};
    for (const char *Op : Ops) {
      if (!eat(Op))
        continue;
      auto R = sumExpr();
      if (!R)
        return R;
      const std::string S(Op);
      const double A = *L, B = *R;
      return double(S == "=="   ? A == B
                    : S == "!=" ? A != B
                    : S == "<=" ? A <= B
                    : S == ">=" ? A >= B
                    : S == "<"  ? A < B
                                : A > B);
    }
    return L;
  }
  Expected<double> sumExpr() {
    auto L = prodExpr();
    while (L) {
      const bool Add = eat("+");
      if (!Add && !eat("-"))
        break;
      auto R = prodExpr();
      if (!R)
        return R;
      L = Add ? *L + *R : *L - *R;
    }
    return L;
  }
  Expected<double> prodExpr() {
    auto L = unary();
    while (L) {
      char Op = eat("*") ? '*' : eat("/") ? '/' : eat("%") ? '%' : 0;
      if (!Op)
        break;
      auto R = unary();
      if (!R)
        return R;
      if (Op != '*' && *R == 0)
        return err("division by zero");
      L = Op == '*' ? *L * *R : Op == '/' ? *L / *R : std::fmod(*L, *R);
    }
    return L;
  }
  Expected<double> unary() {
    if (eat("-")) {
      auto V = unary();
      return V ? Expected<double>(-*V) : V;
    }
    if (eat("!")) {
      auto V = unary();
      return V ? Expected<double>(double(*V == 0)) : V;
    }
    return primary();
  }
  Expected<double> primary() {
    skip();
    if (eat("(")) {
      auto V = orExpr();
      if (V && !eat(")"))
        return err("expected ')'");
      return V;
    }
    const size_t Start = Pos;
    while (Pos < T.size() && (std::isalnum(static_cast<unsigned char>(T[Pos])) || T[Pos] == '.' || T[Pos] == '_'))
      ++Pos;
    if (Start == Pos)
      return err(Pos < T.size() ? "unexpected '" + std::string(1, T[Pos]) + "'" : "expected a value");
    const std::string Word = T.substr(Start, Pos - Start);
    if (std::isdigit(static_cast<unsigned char>(Word[0]))) {
      auto V = parseConfigNumber(Word);
      if (!V)
        return err(V.message());
      return V;
    }
    auto V = Lookup(Word);
    if (!V)
      return err(Word + ": " + V.message());
    return V;
  }
};

} // namespace

Expected<double> evaluateExpression(const std::string &Text,
                                    const std::function<Expected<double>(const std::string &)> &Lookup) {
  return ExprParser(Text, Lookup).parse();
}

} // namespace npu::codesign
