/*
 * A C program for the glue test (test/glue/emscripten.test.ts), built with
 * Debian's Emscripten and its default JS glue (build.sh). It uses printf,
 * malloc/realloc/free (growing the memory), qsort, string and math functions
 * and setjmp/longjmp, prints output that is the same on every run, writes a
 * line to stderr, and returns 7 from main.
 */
#include <ctype.h>
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
  char *word;
  int count;
  struct entry *next;
};

#define BUCKETS 64

static unsigned hash(const char *s) {
  unsigned h = 2166136261u;
  while (*s) h = (h ^ (unsigned char)*s++) * 16777619u;
  return h;
}

static void count_word(struct entry **table, const char *w) {
  unsigned b = hash(w) % BUCKETS;
  for (struct entry *e = table[b]; e; e = e->next) {
    if (strcmp(e->word, w) == 0) {
      e->count++;
      return;
    }
  }
  struct entry *e = malloc(sizeof *e);
  e->word = strdup(w);
  e->count = 1;
  e->next = table[b];
  table[b] = e;
}

static int by_count_then_word(const void *a, const void *b) {
  const struct entry *x = *(const struct entry *const *)a, *y = *(const struct entry *const *)b;
  if (x->count != y->count) return y->count - x->count;
  return strcmp(x->word, y->word);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static jmp_buf escape;

static int depth_search(int depth, int target) {
  if (depth == target) longjmp(escape, depth * 100);
  return depth_search(depth + 1, target) + 1;
}

int main(void) {
  /* strings and a hash table of words */
  const char *text =
      "It was the best of times, it was the worst of times, it was the age of wisdom, "
      "it was the age of foolishness, it was the epoch of belief, it was the epoch of incredulity";
  char *copy = malloc(strlen(text) + 1);
  strcpy(copy, text);
  for (char *p = copy; *p; p++) *p = tolower((unsigned char)*p);
  struct entry *table[BUCKETS] = {0};
  int words = 0;
  for (char *w = strtok(copy, " ,"); w; w = strtok(NULL, " ,")) {
    count_word(table, w);
    words++;
  }
  struct entry **all = NULL;
  int distinct = 0;
  for (int b = 0; b < BUCKETS; b++)
    for (struct entry *e = table[b]; e; e = e->next) {
      all = realloc(all, (distinct + 1) * sizeof *all);
      all[distinct++] = e;
    }
  qsort(all, distinct, sizeof *all, by_count_then_word);
  printf("%d words, %d distinct:", words, distinct);
  for (int i = 0; i < 6; i++) printf(" %s=%d", all[i]->word, all[i]->count);
  printf("\n");
  for (int i = 0; i < distinct; i++) {
    free(all[i]->word);
    free(all[i]);
  }
  free(all);
  free(copy);

  char buf[128];
  snprintf(buf, sizeof buf, "[%-8s|%8s|%08.3f|%+d|%x|%o|%c|%5.1e]", "left", "right", 3.14159, 42, 48879, 8, 'k', 12345.678);
  printf("%s len=%zu\n", buf, strlen(buf));
  printf("strstr=%s strchr=%s strrchr=%s strncmp=%d\n", strstr(text, "worst"), strchr("key=value", '=') + 1, strrchr("a/b/c.txt", '/'), strncmp("apple", "apricot", 2));
  char mv[] = "abcdefghij";
  memmove(mv + 2, mv, 5);
  memset(mv + 8, '#', 2);
  printf("memmove=%s strtol=%ld strtoul=%lu strtod=%.10g atoi=%d\n", mv, strtol("-0x1f", NULL, 16), strtoul("777", NULL, 8), strtod("2.5e-3xyz", NULL), atoi("  123abc"));

  /* math */
  printf("%.17g %.17g %.17g %.17g\n", sqrt(2.0), exp(1.0), log(10.0), pow(2.0, 0.5));
  printf("%.17g %.17g %.17g %.17g\n", sin(1e6), cos(-3.0), atan2(-1.0, -2.0), tanh(0.5));
  printf("%g %g %g %g %g %g\n", floor(-2.5), ceil(-2.5), round(-2.5), fmod(7.5, 2.0), fabs(-0.0), cbrt(27.0));
  printf("%f %e %g %a\n", 1.0 / 3.0, 6.02214076e23, 1e-10, 1.0);
  printf("%g %g %d %d\n", INFINITY, -INFINITY, isnan(NAN), (int)(-7.9));
  double xs[10];
  srand(42);
  for (int i = 0; i < 10; i++) xs[i] = (double)(rand() % 1000) / 7.0;
  qsort(xs, 10, sizeof xs[0], cmp_double);
  double sum = 0;
  for (int i = 0; i < 10; i++) sum += xs[i];
  printf("sorted min=%.6f max=%.6f sum=%.6f\n", xs[0], xs[9], sum);

  /* 64-bit integers */
  uint64_t f = 1;
  for (int i = 1; i <= 20; i++) f *= i;
  int64_t m = INT64_MIN;
  uint64_t h = 0xcbf29ce484222325ull;
  for (const char *p = "kiln"; *p; p++) h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
  printf("20!=%llu min/-7=%lld min%%7=%lld fnv1a64=%016llx shr=%llu\n", (unsigned long long)f, (long long)(m / -7), (long long)(m % 7), (unsigned long long)h, (unsigned long long)((uint64_t)m >> 3));

  /* memory growth: allocate far past the initial memory, then free it */
  size_t total = 0;
  unsigned char *blocks[40];
  for (int i = 0; i < 40; i++) {
    blocks[i] = malloc(1 << 20);
    memset(blocks[i], i, 1 << 20);
    total += 1 << 20;
  }
  unsigned check = 0;
  for (int i = 0; i < 40; i++) {
    check += blocks[i][i * 1000] + blocks[i][(1 << 20) - 1];
    free(blocks[i]);
  }
  printf("allocated %zu bytes, check=%u\n", total, check);

  /* setjmp/longjmp out of a recursion */
  int r = setjmp(escape);
  if (r == 0) {
    depth_search(0, 25);
    printf("not reached\n");
  } else {
    printf("longjmp returned %d\n", r);
  }

  fprintf(stderr, "a line on stderr\n");
  printf("done; returning 7\n");
  return 7;
}
