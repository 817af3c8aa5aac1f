// Test prerequisites and fixtures.
//
// A test whose prerequisite is missing fails loudly in CI (CI is set); on a developer machine
// it prints why and exits with code 77, which ctest reports as skipped (SKIP_RETURN_CODE).
#pragma once

#include <filesystem>
#include <string>

namespace wslmod::test {

// Skips (developer) or fails (CI) the current test unless `ok`; `reason` says what is missing
// and how to get it.
void require(bool ok, const std::string& reason);

// Requires `program` in PATH.
void require_program(const std::string& program);

// The stand-in stock kernel that scripts/setup fetches (Debian linux-image/-headers/-source).
struct DebianKernel {
    std::filesystem::path root;
    std::string version; // Debian package version, e.g. 6.12.117-1~deb12u1
    std::string release; // uname -r, e.g. 6.12.117+deb12-amd64
    std::filesystem::path kernel, config, modules, symvers, source;
};

// The fixture, or a skip/failure saying to run scripts/setup --deps.
const DebianKernel& debian_kernel();

// The arm64 stand-in: Debian's arm64 image and headers of the same version (no source of its
// own: `source` is the amd64 fixture's file).
const DebianKernel& debian_arm64_kernel();

// The source folder (/usr/src/<name>-<version>, holding dkms.conf) of a Debian DKMS package that
// scripts/setup fetched, e.g. "v4l2loopback-dkms"; or a skip/failure saying to run setup.
std::filesystem::path dkms_source(const std::string& package);

// ../shared beside the project (stock WSL configs and notes).
std::filesystem::path shared_dir();

// A fresh, empty directory for the current test under the build tree.
std::filesystem::path scratch_dir(const std::string& name);

// The built wslmod binary.
std::filesystem::path wslmod_binary();

} // namespace wslmod::test
