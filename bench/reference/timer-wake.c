/*
 * How late a timer wake-up comes on a busy machine, as a function of the CPU the woken thread
 * uses each time: the experiment behind scenario 13's explanation in docs/performance.md. Twenty
 * timers, 100 ms each, 5 ms apart (scenario 13's pattern); each fire is recorded and, to stand
 * in for the work a real program does when it wakes, followed by SPIN_US of busy-waiting. With
 * THREADS=2 the timers are split between two threads pinned to CPUs 0 and 1.
 *
 * Usage: timer-wake COUNT SPIN_US [THREADS]. Prints the share of fires more than 1 and 2 ms
 * late and the lateness percentiles in ms. Run it in a session of its own beside two busy loops
 * in theirs, as the bench runs everything (`setsid -w ./timer-wake 4000 60`); with a raised
 * autogroup priority: `setsid -w sh -c 'echo -5 > /proc/self/autogroup; exec ./timer-wake …'`.
 * Build: cc -O2 -pthread -o timer-wake timer-wake.c
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define TIMERS 20
#define DELAY_MS 100.0
#define APART_MS 5.0

static int count;
static double spin_us;
static int threads;
static double *late;
static int recorded;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static double start;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void *run(void *arg) {
  long id = (long)arg;
  if (threads > 1) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(id, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  }
  double due[TIMERS];
  int mine = 0;
  for (int k = id; k < TIMERS; k += threads) due[mine++] = start + DELAY_MS + k * APART_MS;
  for (;;) {
    int next = 0;
    for (int k = 1; k < mine; k++)
      if (due[k] < due[next]) next = k;
    struct timespec at = {.tv_sec = (time_t)(due[next] / 1e3)};
    at.tv_nsec = (long)((due[next] - at.tv_sec * 1e3) * 1e6);
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL);
    double now = now_ms();
    pthread_mutex_lock(&lock);
    int done = recorded >= count;
    if (!done) late[recorded++] = now - due[next];
    pthread_mutex_unlock(&lock);
    if (done) return NULL;
    due[next] = now + DELAY_MS;
    for (double until = now_ms() + spin_us / 1e3; now_ms() < until;);
  }
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: timer-wake COUNT SPIN_US [THREADS]\n");
    return 2;
  }
  count = atoi(argv[1]);
  spin_us = atof(argv[2]);
  threads = argc > 3 ? atoi(argv[3]) : 1;
  if (count <= 0 || spin_us < 0 || threads < 1 || threads > 2) {
    fprintf(stderr, "timer-wake: COUNT must be > 0, SPIN_US >= 0, THREADS 1 or 2\n");
    return 2;
  }
  late = malloc(sizeof(double) * count);
  start = now_ms();
  pthread_t tid[2];
  for (long t = 0; t < threads; t++) pthread_create(&tid[t], NULL, run, (void *)t);
  for (int t = 0; t < threads; t++) pthread_join(tid[t], NULL);
  qsort(late, count, sizeof(double), by_value);
  int over1 = 0, over2 = 0;
  for (int i = 0; i < count; i++) {
    over1 += late[i] > 1;
    over2 += late[i] > 2;
  }
  printf("{\"over1ms\":%.2f,\"over2ms\":%.2f,\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f}\n", 100.0 * over1 / count,
         100.0 * over2 / count, late[count / 2], late[count * 99 / 100], late[count - 1]);
  return 0;
}
