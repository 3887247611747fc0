// codec-floor: what the codec libraries alone cost per call per 20 ms (encode one frame and
// decode one, the work a gateway must do each way at the least), for the second table of
// Benchmarks/load.py. Same settings as vlgw's pipeline: spandsp G.722 at 64 kbit/s
// (16 kHz audio), libopus at 24 kHz mono (vlgw runs Opus at the AI's rate, no resampler),
// VOIP application, 32 kbit/s, complexity 8, signal voice.
//
//   codec-floor FRAMES        prints one JSON line: {"g722_us": ..., "opus_us": ...}
//
// CPU time of this process (CLOCK_PROCESS_CPUTIME_ID), a 440 Hz tone with a little noise.
#include <math.h>
#include <opus.h>
#include <spandsp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double cpu_s(void) {
    struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void tone(int16_t *pcm, int n, int rate, int frame) {
    for (int i = 0; i < n; i++)
        pcm[i] = (int16_t)(8000 * sin(2 * M_PI * 440 * (double)(frame * n + i) / rate) + (rand() % 200 - 100));
}

int main(int argc, char **argv) {
    int frames = argc > 1 ? atoi(argv[1]) : 20000;
    int16_t pcm[960], out[960];
    uint8_t bits[1500];
    long sink = 0;

    g722_encode_state_t *ge = g722_encode_init(NULL, 64000, 0);
    g722_decode_state_t *gd = g722_decode_init(NULL, 64000, 0);
    double t0 = cpu_s();
    for (int f = 0; f < frames; f++) {
        tone(pcm, 320, 16000, f);
        int n = g722_encode(ge, bits, pcm, 320);
        sink += g722_decode(gd, out, bits, n);
    }
    double g722 = (cpu_s() - t0) / frames * 1e6;

    int err = 0;
    OpusEncoder *oe = opus_encoder_create(24000, 1, OPUS_APPLICATION_VOIP, &err);
    OpusDecoder *od = opus_decoder_create(24000, 1, &err);
    opus_encoder_ctl(oe, OPUS_SET_BITRATE(32000));
    opus_encoder_ctl(oe, OPUS_SET_COMPLEXITY(8));
    opus_encoder_ctl(oe, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
    t0 = cpu_s();
    for (int f = 0; f < frames; f++) {
        tone(pcm, 480, 24000, f);
        int n = opus_encode(oe, pcm, 480, bits, sizeof bits);
        sink += opus_decode(od, bits, n, out, 480, 0);
    }
    double opus = (cpu_s() - t0) / frames * 1e6;
    // The tone generation is inside both loops; measure it alone and take it out.
    t0 = cpu_s();
    for (int f = 0; f < frames; f++) { tone(pcm, 320, 16000, f); sink += pcm[7]; }
    double tone320 = (cpu_s() - t0) / frames * 1e6;
    t0 = cpu_s();
    for (int f = 0; f < frames; f++) { tone(pcm, 480, 24000, f); sink += pcm[7]; }
    double tone480 = (cpu_s() - t0) / frames * 1e6;
    printf("{\"g722_us\": %.2f, \"opus_us\": %.2f, \"frames\": %d, \"sink\": %ld}\n", g722 - tone320, opus - tone480, frames, sink & 1);
    return 0;
}
