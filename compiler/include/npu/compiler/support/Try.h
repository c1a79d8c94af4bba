// NPU_ASSIGN: unwraps an Expected<T> into a variable or returns its error from the enclosing function.
#pragma once

#include "npu/support/Status.h"

#define NPU_CONCAT_IMPL_(A, B) A##B
#define NPU_CONCAT_(A, B) NPU_CONCAT_IMPL_(A, B)

/// NPU_ASSIGN(auto X, f()); declares X from f()'s value, or returns f()'s error.
#define NPU_ASSIGN(Decl, Expr) NPU_ASSIGN_IMPL_(NPU_CONCAT_(NpuAssign_, __LINE__), Decl, Expr)
#define NPU_ASSIGN_IMPL_(Tmp, Decl, Expr)                                                                    \
  auto Tmp = (Expr);                                                                                         \
  if (!Tmp.isOk())                                                                                           \
    return Tmp.error();                                                                                      \
  Decl = Tmp.takeValue()
