# Compiler flags shared by every target of the project, through one interface library.
add_library(wslmod_flags INTERFACE)
# Partial aggregate initialisation is deliberate here: every field has a default initialiser.
target_compile_options(wslmod_flags INTERFACE -Wall -Wextra -Wshadow -Wnon-virtual-dtor
  -Wno-missing-field-initializers)
# GCC 12 reports std::string concatenation as overlapping memcpy at -O3 (GCC bug 105329).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(wslmod_flags INTERFACE -Wno-restrict)
endif()
if(WSLMOD_WERROR)
  target_compile_options(wslmod_flags INTERFACE -Werror)
endif()
if(WSLMOD_SANITIZE)
  # UBSan without its null and alignment checks: those two add a fifth to the compile time of
  # every file (15 s instead of 12 s for one that uses CLI11; a cold build is most of a CI run
  # on 2 cores), and ASan reports a null access itself, while x86-64 and arm64 take unaligned
  # loads.  The fuzz targets keep every check.
  target_compile_options(wslmod_flags INTERFACE
    -fsanitize=address,undefined -fno-sanitize=null,alignment
    -fno-sanitize-recover=undefined -fno-omit-frame-pointer
    # GCC 12's flow analysis misfires under ASan instrumentation (std::function inside
    # std::regex, GCC bug 105562); the non-sanitized build keeps the warning.
    -Wno-maybe-uninitialized)
  target_link_options(wslmod_flags INTERFACE -fsanitize=address,undefined)
endif()
