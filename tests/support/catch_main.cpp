// main() for Catch2 v2; with v3 the test binaries link Catch2::Catch2WithMain instead.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
