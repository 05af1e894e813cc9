// Runs the original harness's demo: `demo [seed]` (seed 42 by default).
#include <cstdlib>
#include <iostream>

#include "demo.hpp"

int main(int argc, char** argv) {
  const unsigned long long seed = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 42;
  demo::RunDemo(seed, std::cout);
  return 0;
}
