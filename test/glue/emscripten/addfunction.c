/*
 * The second Emscripten program of the glue test: C that calls JS functions
 * the host put into the table with the glue's addFunction (the glue wraps
 * each in a one-function wasm module, and the test's calls go through
 * call_indirect).
 */
#include <emscripten.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

EMSCRIPTEN_KEEPALIVE int apply(int (*f)(int, int), int a, int b) { return f(a, b); }

EMSCRIPTEN_KEEPALIVE int fold(int (*f)(int, int), int init, int n) {
  int acc = init;
  for (int i = 1; i <= n; i++) acc = f(acc, i);
  return acc;
}

/* qsort with a comparator written in JS. */
EMSCRIPTEN_KEEPALIVE void sort_ints(int *xs, int n, int (*cmp)(const void *, const void *)) { qsort(xs, n, sizeof *xs, cmp); }

/* Calls back with each word of s and its index. */
EMSCRIPTEN_KEEPALIVE int each_word(const char *s, void (*cb)(const char *, int)) {
  char *copy = strdup(s);
  int n = 0;
  for (char *w = strtok(copy, " "); w; w = strtok(NULL, " ")) cb(w, n++);
  free(copy);
  return n;
}

EMSCRIPTEN_KEEPALIVE double scale(double (*f)(double), double x) { return 2 * f(x); }

int main(void) {
  printf("addfunction module ready\n");
  return 0;
}
