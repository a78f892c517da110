// tests/tools/pcg_ref.cpp - prints outputs of the reference PCG generators
// (libpcg-cpp-dev's pcg_random.hpp), for tests/engine/test_rng.c to compare
// bit for bit: pcg_ref pcg32|pcg64 SEED STREAM N [ADVANCE]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <pcg_random.hpp>

int main(int argc, char **argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: pcg_ref pcg32|pcg64 SEED STREAM N [ADVANCE]\n");
    return 2;
  }
  unsigned long long seed = std::strtoull(argv[2], nullptr, 10);
  unsigned long long stream = std::strtoull(argv[3], nullptr, 10);
  unsigned long long n = std::strtoull(argv[4], nullptr, 10);
  unsigned long long adv = argc > 5 ? std::strtoull(argv[5], nullptr, 10) : 0;
  if (!std::strcmp(argv[1], "pcg32")) {
    pcg32 g(seed, stream);
    g.advance(adv);
    for (unsigned long long i = 0; i < n; i++) std::printf("%u\n", (unsigned)g());
  } else if (!std::strcmp(argv[1], "pcg64")) {
    pcg64 g(static_cast<pcg_extras::pcg128_t>(seed), static_cast<pcg_extras::pcg128_t>(stream));
    g.advance(static_cast<pcg_extras::pcg128_t>(adv));
    for (unsigned long long i = 0; i < n; i++) std::printf("%llu\n", (unsigned long long)g());
  } else {
    return 2;
  }
  return 0;
}
