# Every library comes from the distribution (Debian 12 / Ubuntu 24.04 -dev packages), found at a
# minimum version; nothing is vendored.  scripts/setup installs them.
find_package(PkgConfig REQUIRED)

pkg_check_modules(KMOD REQUIRED IMPORTED_TARGET libkmod>=30)
pkg_check_modules(ARCHIVE REQUIRED IMPORTED_TARGET libarchive>=3.6)
pkg_check_modules(EXT2FS REQUIRED IMPORTED_TARGET ext2fs>=1.46 com_err)
pkg_check_modules(LIBELF REQUIRED IMPORTED_TARGET libelf>=0.186)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus>=3.3)
# liblzma (libarchive-dev pulls it in): libarchive's xz writer always uses a CRC64 check,
# and the kernel's own module decompressor expects the CRC32 that Kbuild writes.  5.4 for the
# threaded decoder that extracts kernel sources (util/xz_file.h); Debian 12 has 5.4.1.
pkg_check_modules(LZMA REQUIRED IMPORTED_TARGET liblzma>=5.4)
find_package(fmt 9 REQUIRED)
find_package(CLI11 2.1 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(OpenSSL 3.0 REQUIRED COMPONENTS Crypto)
find_package(tl-expected 1.0 REQUIRED)
