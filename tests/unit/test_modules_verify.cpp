// Alias patterns become strings that they match, so libkmod's lookup can be asked for them.
#include <fnmatch.h>

#include "modules/verify.h"
#include "support/catch.h"

using namespace wslmod;

TEST_CASE("alias_instance gives a string its own pattern matches") {
    for (std::string p :
         {"usb:v13FDp3940d0[0-2]*dc*dsc*dp*ic*isc*ip*in*", "pci:v00008086d*sv*sd*bc0Csc03i30*",
          "fs-ext4", "acpi*:PNP0C0[ABC]:*", "of:N*T*Cx[!y]z", "a\\*b", "char-major-10-237"}) {
        INFO(p);
        auto s = modules::alias_instance(p);
        CHECK(s.find('[') == std::string::npos);
        CHECK(fnmatch(p.c_str(), s.c_str(), 0) == 0);
    }
    CHECK(modules::alias_instance("usb:v1645p0007d01[0-2]*") == "usb:v1645p0007d010*");
}
