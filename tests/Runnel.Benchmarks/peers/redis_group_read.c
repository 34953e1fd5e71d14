// Redis Streams consumer-group catch-up read: XREADGROUP GROUP g c COUNT 1000 STREAMS s > in a loop, one XACK per
// batch carrying its ids (at-least-once, the usual way to consume a stream with a group). Stops when the stream is
// drained, after MAX_MSGS, or after MAX_SECONDS.
//
// Build: gcc -O2 -o redis_group_read redis_group_read.c -lhiredis     (apt-get install -y libhiredis-dev)
// Run:   redis_group_read PORT MAX_MSGS MAX_SECONDS      (normally via tests/Runnel.Benchmarks/compare.sh)
// Output: one line "msgs=N seconds=S msgs_per_sec=R mb_per_sec=M" (MB/s counts field values).
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: %s PORT MAX_MSGS MAX_SECONDS\n", argv[0]); return 2; }
    long max_msgs = atol(argv[2]);
    double max_s = atof(argv[3]);
    redisContext *c = redisConnect("127.0.0.1", atoi(argv[1]));
    if (!c || c->err) { fprintf(stderr, "connect failed\n"); return 1; }
    redisReply *r = redisCommand(c, "XGROUP CREATE s g 0");
    if (!r || r->type == REDIS_REPLY_ERROR) { fprintf(stderr, "XGROUP CREATE failed\n"); return 1; }
    freeReplyObject(r);
    const char **argv_ack = malloc(sizeof(char *) * 1003);
    size_t *lens = malloc(sizeof(size_t) * 1003);
    long msgs = 0;
    double bytes = 0, t0 = now();
    while (msgs < max_msgs && now() - t0 < max_s) {
        r = redisCommand(c, "XREADGROUP GROUP g c1 COUNT 1000 STREAMS s >");
        if (!r) { fprintf(stderr, "read failed\n"); return 1; }
        if (r->type != REDIS_REPLY_ARRAY || r->elements == 0 || r->element[0]->element[1]->elements == 0) { freeReplyObject(r); break; }
        redisReply *entries = r->element[0]->element[1];
        int n = 0;
        argv_ack[n] = "XACK"; lens[n++] = 4;
        argv_ack[n] = "s"; lens[n++] = 1;
        argv_ack[n] = "g"; lens[n++] = 1;
        for (size_t i = 0; i < entries->elements; i++) {
            redisReply *e = entries->element[i], *fields = e->element[1];
            for (size_t k = 1; k < fields->elements; k += 2) bytes += fields->element[k]->len;
            argv_ack[n] = e->element[0]->str; lens[n++] = e->element[0]->len;
        }
        redisReply *a = redisCommandArgv(c, n, argv_ack, lens);
        if (!a || a->type != REDIS_REPLY_INTEGER || a->integer != (long long)entries->elements) { fprintf(stderr, "XACK failed\n"); return 1; }
        freeReplyObject(a);
        msgs += entries->elements;
        freeReplyObject(r);
    }
    double t = now() - t0;
    printf("msgs=%ld seconds=%.3f msgs_per_sec=%.1f mb_per_sec=%.2f\n", msgs, t, msgs / t, bytes / t / 1e6);
    redisFree(c);
    return 0;
}
