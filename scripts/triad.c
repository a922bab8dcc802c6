/* STREAM-like triad a[i] = b[i] + s c[i] on one thread: prints the best GB/s of REPS passes,
 * counting 24 bytes per element as STREAM does (no write-allocate traffic). Used by
 * scripts/bench_kuramoto.sh for the memory-bandwidth bound.
 *   cc -O2 -o triad triad.c && ./triad ELEMENTS REPS */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: triad ELEMENTS REPS\n");
    return 2;
  }
  size_t n = strtoull(argv[1], NULL, 10);
  int reps = atoi(argv[2]);
  double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
  if (!a || !b || !c) return 1;
  for (size_t i = 0; i < n; i++) a[i] = 0.0, b[i] = 1.0, c[i] = 2.0;
  double best = 1e30;
  for (int r = 0; r < reps; r++) {
    double t = now();
    for (size_t i = 0; i < n; i++) a[i] = b[i] + 3.0 * c[i];
    t = now() - t;
    if (t < best) best = t;
  }
  printf("%.3f\n", 24.0 * n / best / 1e9);
  return a[n / 2] == 7.0 ? 0 : 1;
}
