// AVX2 + FMA versions of the resampler's inner loops (see dsp_kernels.h). Each function
// carries its own target attribute, so this file builds with the baseline flags and nothing
// here runs unless vlgw_dsp_has_avx2_fma() said the CPU has both.
#include "dsp_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

int vlgw_dsp_has_avx2_fma(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return cached;
}

__attribute__((target("avx2,fma")))
float vlgw_fir_dot_avx2(const float *coeffs, const float *x, int n) {
    // Four accumulators: an FMA's latency is four cycles, so one chain would wait on itself.
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    int k = 0;
    for (; k + 32 <= n; k += 32) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(coeffs + k), _mm256_loadu_ps(x + k), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(coeffs + k + 8), _mm256_loadu_ps(x + k + 8), a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(coeffs + k + 16), _mm256_loadu_ps(x + k + 16), a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(coeffs + k + 24), _mm256_loadu_ps(x + k + 24), a3);
    }
    for (; k < n; k += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(coeffs + k), _mm256_loadu_ps(x + k), a0);
    __m256 sum = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
    __m128 half = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1));
    half = _mm_add_ps(half, _mm_movehl_ps(half, half));
    half = _mm_add_ss(half, _mm_shuffle_ps(half, half, 1));
    return _mm_cvtss_f32(half);
}

__attribute__((target("avx2,fma")))
void vlgw_fir_upsample8_avx2(const float *coeffs, int taps, int up, const int *leading,
                             const float *x, int16_t *out) {
    const __m256 lo = _mm256_set1_ps(-32768.0f), hi = _mm256_set1_ps(32767.0f);
    const __m256 half = _mm256_set1_ps(0.5f), sign = _mm256_set1_ps(-0.0f);
    for (int p = 0; p < up; p++) {
        const float *row = coeffs + p * taps;
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
        int k = leading[p];
        for (; k + 2 <= taps; k += 2) {
            a0 = _mm256_fmadd_ps(_mm256_broadcast_ss(row + k), _mm256_loadu_ps(x + k), a0);
            a1 = _mm256_fmadd_ps(_mm256_broadcast_ss(row + k + 1), _mm256_loadu_ps(x + k + 1), a1);
        }
        if (k < taps) a0 = _mm256_fmadd_ps(_mm256_broadcast_ss(row + k), _mm256_loadu_ps(x + k), a0);
        // Clamp, then round half away from zero: add ±0.5 (the sign copied from y), truncate.
        __m256 y = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(a0, a1), lo), hi);
        y = _mm256_add_ps(y, _mm256_or_ps(half, _mm256_and_ps(y, sign)));
        int32_t v[8];
        _mm256_storeu_si256((__m256i *)v, _mm256_cvttps_epi32(y));
        for (int j = 0; j < 8; j++) out[j * up + p] = (int16_t)v[j];
    }
}

__attribute__((target("avx2,fma")))
int vlgw_fir_resample_avx2(const float *coeffs, int taps, int up, int down, const float *x,
                           long count, long *t, int16_t *out, int capacity) {
    // The position as input index i and phase p, stepped without a division per output.
    long i = *t / up;
    int p = (int)(*t - i * up);
    int produced = 0;
    while (i < count && produced < capacity) {
        float y = vlgw_fir_dot_avx2(coeffs + p * taps, x + (i - taps + 1), taps);
        y = y < -32768.0f ? -32768.0f : (y > 32767.0f ? 32767.0f : y);
        out[produced++] = (int16_t)(y + (y < 0 ? -0.5f : 0.5f));
        p += down;
        while (p >= up) { p -= up; i++; }
    }
    *t = i * up + p;
    return produced;
}

#else
// Not x86-64: the portable Swift loops run; these are never called.
int vlgw_dsp_has_avx2_fma(void) { return 0; }
float vlgw_fir_dot_avx2(const float *coeffs, const float *x, int n) { (void)coeffs; (void)x; (void)n; return 0; }
void vlgw_fir_upsample8_avx2(const float *coeffs, int taps, int up, const int *leading,
                             const float *x, int16_t *out) {
    (void)coeffs; (void)taps; (void)up; (void)leading; (void)x; (void)out;
}
int vlgw_fir_resample_avx2(const float *coeffs, int taps, int up, int down, const float *x,
                           long count, long *t, int16_t *out, int capacity) {
    (void)coeffs; (void)taps; (void)up; (void)down; (void)x; (void)count; (void)t; (void)out; (void)capacity;
    return 0;
}
#endif
