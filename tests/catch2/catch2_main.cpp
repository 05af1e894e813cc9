// Catch2 v2's implementation and its own main, compiled once for the programs of these tests
// that use Catch2's main (v3 has it in Catch2::Catch2WithMain).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
