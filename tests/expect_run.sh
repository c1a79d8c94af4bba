#!/bin/sh
# Runs a command and passes only if it exits with EXIT and its output matches REGEX (grep -E, whole output as
# one line): both are checked, so neither can hide the other (no CTest pass-regex overriding the exit code).
# usage: expect_run.sh EXIT REGEX COMMAND [ARG...]
want=$1 regex=$2
shift 2
out=$("$@" 2>&1)
code=$?
printf '%s\n' "$out"
if [ "$code" -ne "$want" ]; then
  echo "expect_run: exit status $code, expected $want" >&2
  exit 1
fi
if ! printf '%s' "$out" | tr '\n' ' ' | grep -Eq -- "$regex"; then
  echo "expect_run: output does not match: $regex" >&2
  exit 1
fi
