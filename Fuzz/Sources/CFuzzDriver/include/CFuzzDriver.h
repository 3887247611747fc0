// libFuzzer's own entry point (LLVM >= 11). SwiftPM links every executable with `main`
// aliased to the module's entry point, so libFuzzer's `main` is never used: each fuzz
// target's main.swift hands its callback to this driver instead.
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
