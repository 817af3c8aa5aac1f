#include "support/catch.h"
#include "util/sha256.h"

using namespace wslmod::util;

TEST_CASE("Sha256 matches the FIPS 180-2 test vectors, in one piece or many") {
    CHECK(to_hex(Sha256().update("abc").finish()) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(to_hex(Sha256().update("").finish()) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(to_hex(Sha256().update("a").update("b").update("c").finish()) ==
          to_hex(Sha256().update("abc").finish()));
}
