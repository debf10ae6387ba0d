/*
 * calc.c: a tiny calculator language with 32-bit integers and variables.
 *
 *   program   := statement (';' statement)*
 *   statement := letter '=' expr     assigns a variable (a..z, initially 0)
 *              | expr                prints its value
 *   expr      := term (('+' | '-') term)*
 *   term      := unary (('*' | '/' | '%') unary)*
 *   unary     := '-' unary | primary
 *   primary   := number | letter | '(' expr ')'
 *
 * The host copies the program text into the buffer at input_buffer() and
 * calls run(ptr, len). Each printed value goes to the import env.print_i32; a
 * syntax error goes to env.syntax_error(offset) and stops the program.
 * run returns 1 on success and 0 after a syntax error. Variables keep their
 * values from one run to the next.
 *
 * +, - and * wrap around. Division is left to the machine: WebAssembly's
 * i32.div_s traps on division by zero and on -2147483648 / -1, so those
 * surface in the host as a RuntimeError ("integer-divide-by-zero",
 * "integer-overflow") instead of a value.
 *
 * Freestanding wasm32, no libc: see ../build.sh.
 */

typedef unsigned int u32;

#define EXPORT(name) __attribute__((export_name(name)))
#define IMPORT(name) __attribute__((import_module("env"), import_name(name)))

IMPORT("print_i32") void print_i32(int value);
IMPORT("syntax_error") void syntax_error(int offset);

#define INPUT_CAPACITY 4096
#define MAX_DEPTH 200 /* recursion limit: each "(" costs 2 levels, each unary "-" 1 */

static char input[INPUT_CAPACITY];
static int vars[26];

EXPORT("input_buffer") char *input_buffer(void) { return input; }
EXPORT("input_capacity") u32 input_capacity(void) { return INPUT_CAPACITY; }

/* Parser state: the text being run, the cursor, and the first error. */
static const char *src, *pos, *end;
static int failed, depth;

static void fail(void) {
  if (!failed) syntax_error((int)(pos - src));
  failed = 1;
}

static void skip_space(void) {
  while (pos < end && (*pos == ' ' || *pos == '\t' || *pos == '\n' || *pos == '\r')) pos++;
}

/* Consumes `c` (after spaces) if it is next. */
static int accept(char c) {
  skip_space();
  if (pos < end && *pos == c) { pos++; return 1; }
  return 0;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_letter(char c) { return c >= 'a' && c <= 'z'; }

static int expr(void);

static int primary(void) {
  skip_space();
  if (pos < end && is_digit(*pos)) {
    u32 n = 0;
    while (pos < end && is_digit(*pos)) n = n * 10 + (u32)(*pos++ - '0');
    return (int)n;
  }
  if (pos < end && is_letter(*pos)) return vars[*pos++ - 'a'];
  if (accept('(')) {
    int v = expr();
    if (!accept(')')) fail();
    return v;
  }
  fail();
  return 0;
}

static int unary(void) {
  if (++depth > MAX_DEPTH) { fail(); return 0; }
  int v = accept('-') ? (int)-(u32)unary() : primary();
  depth--;
  return v;
}

static int term(void) {
  int v = unary();
  for (;;) {
    char op = accept('*') ? '*' : accept('/') ? '/' : accept('%') ? '%' : 0;
    if (!op) return v;
    int r = unary();
    if (failed) return 0; /* never divide by a value we did not parse */
    if (op == '*') v = (int)((u32)v * (u32)r);
    else if (op == '/') v = v / r; /* i32.div_s: may trap */
    else v = v % r;                /* i32.rem_s: traps on zero */
  }
}

static int expr(void) {
  if (++depth > MAX_DEPTH) { fail(); return 0; }
  int v = term();
  for (;;) {
    if (accept('+')) v = (int)((u32)v + (u32)term());
    else if (accept('-')) v = (int)((u32)v - (u32)term());
    else break;
  }
  depth--;
  return v;
}

/* Runs the program in memory[text .. text+len). */
EXPORT("run")
int run(const char *text, u32 len) {
  src = pos = text;
  end = text + len;
  failed = depth = 0;
  do {
    skip_space();
    const char *start = pos;
    if (pos < end && is_letter(*pos)) {
      /* Assignment if a letter is followed by '='. */
      int var = *pos++ - 'a';
      if (accept('=')) {
        int v = expr();
        if (!failed) vars[var] = v;
        continue;
      }
      pos = start;
    }
    int v = expr();
    if (!failed) print_i32(v);
  } while (!failed && accept(';'));
  skip_space();
  if (!failed && pos < end) fail(); /* trailing garbage */
  return !failed;
}
