// Vector kernels for the polyphase resampler's inner loops, compiled for AVX2 + FMA and
// chosen at run time: Swift can only compile for the x86-64 baseline (SSE2, 4 floats per
// operation, no fused multiply-add), and a binary built for AVX2 would die with SIGILL on an
// older CPU. The portable Swift loops in PolyphaseResampler stay the fallback.
#ifndef VLGW_DSP_KERNELS_H
#define VLGW_DSP_KERNELS_H

#include <stdint.h>

/// 1 when this CPU runs the AVX2 + FMA kernels below (asked once, then cached).
int vlgw_dsp_has_avx2_fma(void);

/// Dot product of `n` floats (`n` a multiple of 8) of `coeffs` and `x`.
float vlgw_fir_dot_avx2(const float *coeffs, const float *x, int n);

/// Upsampling by `up`: for each phase p the eight outputs at input positions x, x+1 … x+7,
/// `coeffs` phase-major (`taps` per phase, each row reversed, `leading[p]` zeros first),
/// written rounded and clamped to out[j * up + p] for j < 8.
void vlgw_fir_upsample8_avx2(const float *coeffs, int taps, int up, const int *leading,
                             const float *x, int16_t *out);

/// The general rational path: outputs while the filter's position `*t` (in upsampled
/// samples, advancing `down` per output) stays within the `count` samples of `x`; each output
/// the dot product of its phase's row (`coeffs` as above) with the `taps` inputs ending at
/// it, rounded and clamped. Returns how many were written (at most `capacity`); `*t` moves on.
int vlgw_fir_resample_avx2(const float *coeffs, int taps, int up, int down, const float *x,
                           long count, long *t, int16_t *out, int capacity);

#endif
