// Redis Streams produce latency at a fixed rate: XADD s * f <VALUE_BYTES> over CONNS connections, sent on a schedule
// (command i is due at t0 + i/RATE and goes to connection i % CONNS; every command already due goes out in one write
// per connection), replies read by one thread per connection. Latency runs from each command's scheduled time to its
// reply (no coordinated omission). Several connections matter: redis-server reads at most 16 KiB from a connection
// per event-loop pass, so one connection of 1 KiB XADDs under appendfsync always tops out at ~15 commands per fsync.
//
// Build: gcc -O2 -pthread -o redis_rate redis_rate.c -lhiredis     (apt-get install -y libhiredis-dev)
// Run:   redis_rate PORT RATE SECONDS VALUE_BYTES CONNS   (normally via tests/Runnel.Benchmarks/compare.sh)
// Output: one line "sent=N acked=N seconds=S rate=R p50_us=X p99_us=Y p999_us=Z"; exit 1 on a short or failed run.
#include <hiredis/hiredis.h>
#include <hiredis/read.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

#define MAX_CONNS 64

typedef struct {
    int fd;
    double *due;          // scheduled time of each command sent on this connection, in order
    volatile long written;
    long read;
} conn_t;

static conn_t conns[MAX_CONNS];
static long total;
static double t0, rate;
static double *latency;
static long acked = 0, errors = 0;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *reader(void *arg) {
    conn_t *c = arg;
    redisReader *r = redisReaderCreate();
    char buf[65536];
    double deadline = t0 + total / rate + 30.0;
    for (;;) {
        pthread_mutex_lock(&lock);
        int done = acked + errors >= total;
        pthread_mutex_unlock(&lock);
        if (done || now() > deadline) break;
        ssize_t n = read(c->fd, buf, sizeof buf);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;  // SO_RCVTIMEO: look at the count again
        if (n <= 0) break;
        redisReaderFeed(r, buf, n);
        void *reply;
        while (redisReaderGetReply(r, &reply) == REDIS_OK && reply) {
            double t = now();
            redisReply *rep = reply;
            pthread_mutex_lock(&lock);
            if (rep->type == REDIS_REPLY_ERROR) errors++;
            else latency[acked++] = t - c->due[c->read];
            c->read++;
            pthread_mutex_unlock(&lock);
            freeReplyObject(reply);
        }
    }
    redisReaderFree(r);
    return NULL;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 6) { fprintf(stderr, "usage: %s PORT RATE SECONDS VALUE_BYTES CONNS\n", argv[0]); return 2; }
    int port = atoi(argv[1]);
    rate = atof(argv[2]);
    double seconds = atof(argv[3]);
    int size = atoi(argv[4]);
    int nconns = atoi(argv[5]);
    total = (long)(rate * seconds);
    if (rate <= 0 || total <= 0 || size < 0 || nconns < 1 || nconns > MAX_CONNS) { fprintf(stderr, "bad arguments\n"); return 2; }
    latency = calloc(total, sizeof(double));

    char head[128];
    int hl = snprintf(head, sizeof head, "*5\r\n$4\r\nXADD\r\n$1\r\ns\r\n$1\r\n*\r\n$1\r\nf\r\n$%d\r\n", size);
    size_t cl = hl + size + 2;
    char *cmd = malloc(cl);
    memcpy(cmd, head, hl);
    memset(cmd + hl, 'x', size);
    memcpy(cmd + hl + size, "\r\n", 2);
    size_t cap = cl * 1024;
    char **out = malloc(sizeof(char *) * nconns);
    size_t *len = malloc(sizeof(size_t) * nconns);

    for (int k = 0; k < nconns; k++) {
        conns[k].fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
        inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        if (connect(conns[k].fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); return 1; }
        int one = 1;
        setsockopt(conns[k].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
        setsockopt(conns[k].fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        conns[k].due = calloc(total / nconns + 2, sizeof(double));
        out[k] = malloc(cap);
    }

    t0 = now() + 0.01;
    pthread_t th[MAX_CONNS];
    for (int k = 0; k < nconns; k++) pthread_create(&th[k], NULL, reader, &conns[k]);
    long sent = 0;
    while (sent < total) {
        double due = t0 + sent / rate, t = now();
        if (t < due) {
            double wait = due - t;
            if (wait > 0.0002) {
                struct timespec ts = { 0, (long)((wait - 0.0001) * 1e9) };
                nanosleep(&ts, NULL);
            }
            continue;
        }
        for (int k = 0; k < nconns; k++) len[k] = 0;
        while (sent < total && t0 + sent / rate <= t) {
            conn_t *c = &conns[sent % nconns];
            int k = sent % nconns;
            if (len[k] + cl > cap) break;
            memcpy(out[k] + len[k], cmd, cl);
            len[k] += cl;
            c->due[c->written++] = t0 + sent / rate;
            sent++;
        }
        for (int k = 0; k < nconns; k++) {
            for (size_t off = 0; off < len[k]; ) {
                ssize_t w = write(conns[k].fd, out[k] + off, len[k] - off);
                if (w <= 0) { perror("write"); return 1; }
                off += w;
            }
        }
    }
    for (int k = 0; k < nconns; k++) pthread_join(th[k], NULL);
    double elapsed = now() - t0;
    qsort(latency, acked, sizeof(double), cmp);
    double p50 = acked ? latency[(long)(acked * 0.50)] : 0, p99 = acked ? latency[(long)(acked * 0.99)] : 0,
           p999 = acked ? latency[(long)(acked * 0.999)] : 0;
    printf("sent=%ld acked=%ld seconds=%.3f rate=%.0f p50_us=%.0f p99_us=%.0f p999_us=%.0f\n", sent, acked, elapsed, acked / elapsed,
           p50 * 1e6, p99 * 1e6, p999 * 1e6);
    for (int k = 0; k < nconns; k++) close(conns[k].fd);
    return acked == total && errors == 0 ? 0 : 1;
}
