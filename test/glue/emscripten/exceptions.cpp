// C++ exceptions compiled to the legacy wasm exception-handling proposal
// (em++ -fwasm-exceptions): throw/catch across functions, by type, catch (...),
// rethrow (`throw;`), destructors run while unwinding, std::exception::what().
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

static int destroyed = 0;
struct Guard {
  int id;
  explicit Guard(int i) : id(i) {}
  ~Guard() { destroyed += id; }
};

struct Custom {
  int code;
};

static int depth(int n) {
  Guard g(1);
  if (n == 0) throw Custom{42};
  return depth(n - 1) + 1;
}

static int parse(const std::string& s) {
  if (s.empty()) throw std::invalid_argument("empty");
  if (s[0] == '-') throw std::out_of_range("negative: " + s);
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') throw 7;
    v = v * 10 + (c - '0');
  }
  return v;
}

static int rethrows(int x) {
  try {
    try {
      if (x > 0) throw std::runtime_error("inner");
      return 0;
    } catch (const std::exception&) {
      throw;  // rethrow the same exception
    }
  } catch (const std::runtime_error& e) {
    return static_cast<int>(std::string(e.what()).size());
  }
}

int main() {
  try {
    depth(10);
  } catch (const Custom& c) {
    std::printf("custom %d, destroyed %d\n", c.code, destroyed);
  }
  std::vector<std::string> inputs = {"123", "", "-5", "12x", "99"};
  long sum = 0;
  for (const auto& s : inputs) {
    try {
      sum += parse(s);
    } catch (const std::invalid_argument& e) {
      std::printf("invalid: %s\n", e.what());
    } catch (const std::exception& e) {
      std::printf("exception: %s\n", e.what());
    } catch (...) {
      std::printf("something else\n");
    }
  }
  std::printf("sum %ld\n", sum);
  std::printf("rethrows %d %d\n", rethrows(0), rethrows(1));
  int caught = 0;
  for (int i = 0; i < 10000; i++) {
    try {
      if (i % 3 == 0) throw i;
    } catch (int v) {
      caught += v % 7;
    }
  }
  std::printf("caught %d\n", caught);
  return 0;
}
