/* The gather bound of the Kuramoto coupling sums: a stream of CONNECTIONS (u32 source, f32
 * weight) picking 16-byte (sin, cos) pairs at random from a table of NEURONS pairs, summed
 * into eight independent sums (no dependency chain to wait on), the least work the sums can
 * be. Prints the best ns per connection of REPS passes. Used by scripts/bench_kuramoto.sh:
 * with NEURONS = 3,000 the table (48 KB) sits in L1/L2, with 139,000 (2.2 MB) it does not.
 *   cc -O2 -o gather gather.c && ./gather NEURONS CONNECTIONS REPS */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: gather NEURONS CONNECTIONS REPS\n");
    return 2;
  }
  size_t n = strtoull(argv[1], NULL, 10), e = strtoull(argv[2], NULL, 10) / 8 * 8;
  int reps = atoi(argv[3]);
  double(*pairs)[2] = malloc(n * sizeof *pairs);
  uint32_t *sources = malloc(e * sizeof *sources);
  float *weights = malloc(e * sizeof *weights);
  if (!pairs || !sources || !weights || n == 0) return 1;
  uint64_t x = 88172645463325252ull;
  for (size_t j = 0; j < n; j++) pairs[j][0] = 0.5 + j % 7, pairs[j][1] = 0.25 + j % 5;
  for (size_t k = 0; k < e; k++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
    sources[k] = (uint32_t)(x % n);
    weights[k] = (float)(1 + k % 3);
  }
  double best = 1e30, total = 0;
  for (int r = 0; r < reps; r++) {
    double sums[8][2] = {{0}};
    double t = now();
    for (size_t k = 0; k < e; k += 8)
      for (int l = 0; l < 8; l++) {
        const double *p = pairs[sources[k + l]];
        sums[l][0] += weights[k + l] * p[0];
        sums[l][1] += weights[k + l] * p[1];
      }
    t = now() - t;
    for (int l = 0; l < 8; l++) total += sums[l][0] + sums[l][1];
    if (t < best) best = t;
  }
  printf("%.3f\n", best * 1e9 / e);
  return total == 42.0; /* keeps the sums alive */
}
