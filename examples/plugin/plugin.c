/* plugin: the kind of module a host receives from a third party and must
 * keep on a leash. It computes (count_primes), reports through its one
 * import (env.report), asks for memory (grow), and has a function that
 * never returns (spin). The host (run.mjs) bounds its memory with a page
 * limit and its time with fuel. */

#define EXPORT(name) __attribute__((export_name(name)))
#define IMPORT(name) __attribute__((import_module("env"), import_name(name)))

/* The plugin's only capability: whatever the host passes as env.report. */
IMPORT("report") void report(int value);

/* Number of primes below n (trial division); reports every 1000th prime. */
EXPORT("count_primes") int count_primes(int n) {
  int count = 0;
  for (int k = 2; k < n; k++) {
    int prime = 1;
    for (int d = 2; d * d <= k; d++) {
      if (k % d == 0) { prime = 0; break; }
    }
    if (prime && ++count % 1000 == 0) report(k);
  }
  return count;
}

/* memory.grow by `pages` pages of 64 KiB: the old size, or -1 when refused. */
EXPORT("grow") int grow(int pages) { return __builtin_wasm_memory_grow(0, pages); }

/* memory.size in pages. */
EXPORT("pages") int pages(void) { return __builtin_wasm_memory_size(0); }

static volatile unsigned ticks;

/* A bug (or an attack): never returns. */
EXPORT("spin") void spin(void) {
  for (;;) ticks++;
}

/* How far spin got: its effects stay after it is stopped. */
EXPORT("ticks") unsigned get_ticks(void) { return ticks; }
