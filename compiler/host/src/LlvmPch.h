// Precompiled header of compiler_host: the LLVM headers most of its translation units include.
#pragma once
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/Module.h>
