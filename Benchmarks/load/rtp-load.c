// rtp-load: the callers' side of Benchmarks/load.py. Streams RTP for many calls at 50
// packets/s each (batched with sendmmsg/recvmmsg, so one core drives thousands of calls),
// counts what comes back per call, and checks a sample of calls by frequency: the audio
// returned must carry the 440 Hz tone that was sent.
//
//   rtp-load SECONDS WARMUP TARGETS SIDE [SIDE]
//   SIDE = LOCAL_PORT:PAYLOAD_TYPE:SAMPLES_PER_PACKET:PAYLOAD_FILE:CHECK
//       one socket on 127.0.0.1:LOCAL_PORT sends, for every call, a packet of PAYLOAD_TYPE
//       every 20 ms, its payload cut from PAYLOAD_FILE (a 440 Hz tone already encoded, 1 s,
//       looped; file size / 50 bytes per packet) to the call's target port, and receives
//       what comes back. CHECK says how to decode what comes back for the tone check: pcmu,
//       l16 (big-endian) at 8000 or 24000 Hz (pcmu, l16-24000), or none.
//       TARGETS: one line per call, one port per side.
//   vlgw:      one side, the callers: PCMU to each media session, the AI's echo back.
//   rtpengine: two sides per call (A: the caller's codec, B: the other leg's).
//
// Prints one JSON line: packets sent and received per side in the measured window (after
// WARMUP seconds), the slowest call's receive rate, the payload type that came back, and
// the tone check.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CALLS 10000
#define BATCH 64

typedef struct {
    int fd;
    int pt, samples;          // payload type and RTP timestamp step sent
    uint8_t *payload;         // 1 s of encoded tone
    int payload_bytes, bytes_per_packet;
    int check_rate;           // 0: no tone check; else decode rate (8000 pcmu, else l16)
    int check_pcmu;
    uint16_t target[MAX_CALLS];
    uint64_t received[MAX_CALLS];
    double tone[MAX_CALLS], energy[MAX_CALLS];   // Goertzel at 440 Hz, total energy
    int last_pt, last_len;
} side_t;

static int ncalls, nsides;
static side_t sides[2];
static uint16_t index_of_port[65536];   // a peer's media port -> call index + 1
static int measuring;

static int16_t ulaw_decode(uint8_t u) {
    u = ~u;
    int t = ((u & 0x0F) << 3) + 0x84;
    t <<= (u & 0x70) >> 4;
    return (u & 0x80) ? (0x84 - t) : (t - 0x84);
}

static int open_socket(int port) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int size = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("bind"); exit(2); }
    return fd;
}

static void parse_side(side_t *s, char *spec) {
    char *port = strtok(spec, ":"), *pt = strtok(NULL, ":"), *samples = strtok(NULL, ":"), *file = strtok(NULL, ":"), *check = strtok(NULL, ":");
    if (!check) { fprintf(stderr, "bad side %s\n", spec); exit(2); }
    s->fd = open_socket(atoi(port));
    s->pt = atoi(pt);
    s->samples = atoi(samples);
    FILE *f = fopen(file, "rb");
    if (!f) { perror(file); exit(2); }
    s->payload = malloc(1 << 20);
    s->payload_bytes = fread(s->payload, 1, 1 << 20, f);
    fclose(f);
    s->bytes_per_packet = s->payload_bytes / 50;
    s->check_pcmu = strcmp(check, "pcmu") == 0;
    s->check_rate = s->check_pcmu ? 8000 : strncmp(check, "l16-", 4) == 0 ? atoi(check + 4) : 0;
}

static int sample_call(int i) { return ncalls <= 10 || i % (ncalls / 10) == 0; }

static void send_tick(side_t *s, uint32_t tick, uint32_t ssrc_base) {
    static uint8_t bufs[BATCH][12 + 2048];
    static struct mmsghdr msgs[BATCH];
    static struct iovec iov[BATCH];
    static struct sockaddr_in to[BATCH];
    int n = 0, offset = (tick % 50) * s->bytes_per_packet;
    for (int i = 0; i < ncalls; i++) {
        uint8_t *p = bufs[n];
        uint32_t ts = tick * s->samples, ssrc = ssrc_base + i;
        p[0] = 0x80; p[1] = s->pt; p[2] = tick >> 8; p[3] = tick;
        p[4] = ts >> 24; p[5] = ts >> 16; p[6] = ts >> 8; p[7] = ts;
        p[8] = ssrc >> 24; p[9] = ssrc >> 16; p[10] = ssrc >> 8; p[11] = ssrc;
        memcpy(p + 12, s->payload + offset, s->bytes_per_packet);
        to[n] = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(s->target[i]) };
        inet_pton(AF_INET, "127.0.0.1", &to[n].sin_addr);
        iov[n] = (struct iovec){ .iov_base = p, .iov_len = 12 + s->bytes_per_packet };
        msgs[n].msg_hdr = (struct msghdr){ .msg_name = &to[n], .msg_namelen = sizeof to[n], .msg_iov = &iov[n], .msg_iovlen = 1 };
        if (++n == BATCH || i == ncalls - 1) {
            int off = 0;
            while (off < n) {
                int r = sendmmsg(s->fd, msgs + off, n - off, 0);
                if (r <= 0) { if (errno == EAGAIN || errno == ENOBUFS) { usleep(50); continue; } break; }
                off += r;
            }
            n = 0;
        }
    }
}

static void receive_all(side_t *s) {
    static uint8_t bufs[BATCH][2048];
    static struct mmsghdr msgs[BATCH];
    static struct iovec iov[BATCH];
    static struct sockaddr_in from[BATCH];
    for (;;) {
        for (int k = 0; k < BATCH; k++) {
            iov[k] = (struct iovec){ .iov_base = bufs[k], .iov_len = sizeof bufs[k] };
            msgs[k].msg_hdr = (struct msghdr){ .msg_name = &from[k], .msg_namelen = sizeof from[k], .msg_iov = &iov[k], .msg_iovlen = 1 };
        }
        int r = recvmmsg(s->fd, msgs, BATCH, MSG_DONTWAIT, NULL);
        if (r <= 0) return;
        for (int k = 0; k < r; k++) {
            int idx = index_of_port[ntohs(from[k].sin_port)] - 1, len = msgs[k].msg_len;
            if (idx < 0 || len < 12 || !measuring) continue;   // RTCP comes from the odd port: not a target
            s->received[idx]++;
            s->last_pt = bufs[k][1] & 0x7F;
            s->last_len = len;
            if (!s->check_rate || !sample_call(idx)) continue;
            // The tone check: a Goertzel filter at 440 Hz over this packet's samples.
            int n = s->check_pcmu ? len - 12 : (len - 12) / 2;
            double w = 2 * M_PI * 440 / s->check_rate, c = 2 * cos(w), q1 = 0, q2 = 0, e = 0;
            for (int j = 0; j < n; j++) {
                double x = s->check_pcmu ? ulaw_decode(bufs[k][12 + j]) : (int16_t)(bufs[k][12 + 2 * j] << 8 | bufs[k][13 + 2 * j]);
                double q0 = c * q1 - q2 + x; q2 = q1; q1 = q0; e += x * x;
            }
            if (n > 0) s->tone[idx] += (q1 * q1 + q2 * q2 - c * q1 * q2) * 2 / n;
            s->energy[idx] += e;
        }
    }
}

static double now_s(void) {
    struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void report(int which, double window) {
    side_t *s = &sides[which];
    uint64_t total = 0, min = UINT64_MAX;
    int checked = 0, toned = 0;
    for (int i = 0; i < ncalls; i++) {
        total += s->received[i];
        if (s->received[i] < min) min = s->received[i];
        if (s->check_rate && sample_call(i)) { checked++; if (s->energy[i] > 0 && s->tone[i] / s->energy[i] > 0.5) toned++; }
    }
    printf("\"%c\": {\"received\": %llu, \"per_call_per_s_mean\": %.2f, \"per_call_per_s_min\": %.2f, \"tone_checked\": %d, \"tone_ok\": %d, "
           "\"payload_type\": %d, \"packet_bytes\": %d}%s",
           'a' + which, (unsigned long long)total, total / window / ncalls, min / window, checked, toned, s->last_pt, s->last_len,
           which == nsides - 1 ? "" : ", ");
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: see the comment at the top of rtp-load.c\n"); return 2; }
    double seconds = atof(argv[1]), warmup = atof(argv[2]);
    nsides = argc - 4 > 2 ? 2 : argc - 4;
    for (int k = 0; k < nsides; k++) parse_side(&sides[k], argv[4 + k]);
    FILE *f = fopen(argv[3], "r");
    if (!f) { perror(argv[3]); return 2; }
    int port;
    while (ncalls < MAX_CALLS) {
        int k = 0;
        for (; k < nsides && fscanf(f, "%d", &port) == 1; k++) {
            sides[k].target[ncalls] = port;
            index_of_port[port] = ncalls + 1;
        }
        if (k < nsides) break;
        ncalls++;
    }
    fclose(f);
    if (ncalls == 0) { fprintf(stderr, "no targets\n"); return 2; }

    double start = now_s(), measure_from = start + warmup, end = measure_from + seconds, worst_late = 0;
    uint64_t sent = 0;
    struct timespec next; clock_gettime(CLOCK_MONOTONIC, &next);
    for (uint32_t tick = 0;; tick++) {
        double t = now_s();
        if (t >= end) break;
        measuring = t >= measure_from;
        for (int k = 0; k < nsides; k++) send_tick(&sides[k], tick, 1000 + 100000 * k);
        if (measuring) sent += ncalls;
        // Receive until the next tick is due.
        next.tv_nsec += 20000000;
        if (next.tv_nsec >= 1000000000) { next.tv_nsec -= 1000000000; next.tv_sec++; }
        for (;;) {
            for (int k = 0; k < nsides; k++) receive_all(&sides[k]);
            struct timespec n; clock_gettime(CLOCK_MONOTONIC, &n);
            double left = (next.tv_sec - n.tv_sec) + (next.tv_nsec - n.tv_nsec) / 1e9;
            if (left <= 0) { if (-left > worst_late) worst_late = -left; break; }
            struct timespec nap = { 0, left > 0.002 ? 1000000 : (long)(left * 1e9) };
            nanosleep(&nap, NULL);
        }
    }
    double window = end - measure_from;
    printf("{\"calls\": %d, \"window_s\": %.2f, \"sent_per_side\": %llu, \"sent_per_call_per_s\": %.2f, \"worst_tick_late_ms\": %.1f, ",
           ncalls, window, (unsigned long long)sent, sent / window / ncalls, worst_late * 1000);
    for (int k = 0; k < nsides; k++) report(k, window);
    printf("}\n");
    return 0;
}
