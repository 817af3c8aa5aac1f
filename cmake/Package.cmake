# The Debian package, through CPack's DEB generator (scripts/package runs it): it packs exactly
# what the install rules install (cmake/Install.cmake), so `cmake --install` and the .deb cannot
# drift apart, and it runs dpkg-shlibdeps for the library Depends.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME wslmod)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${WSLMOD_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "build the kernel modules the stock WSL2 kernel lacks")
# The long description; CPack puts the summary above it and indents every line.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "wslmod prepares a kernel-devel tree for the stock WSL2 kernel from its
published config and source, recovering Module.symvers from the stock kernel
image instead of building the kernel. It builds out-of-tree modules from
recipes and DKMS sources, merges them with the stock modules, runs depmod,
verifies that every module resolves, and writes one modules.vhdx for the
kernelModules= key of WSL's configuration. It can boot the stock kernel under
QEMU to prove the modules load, and installs the image for WSL with rollback.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # wslmod_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION kernel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
# Folders 0755 whatever the packager's umask, as Debian policy asks.
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
  OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
# Libraries: dpkg-shlibdeps.  Programs wslmod runs: Kbuild and its tools (make, gcc, bc, flex,
# bison, pahole from dwarves, the libelf and OpenSSL headers that modules_prepare compiles
# against), depmod from kmod, patch for recipe patches, curl for URL sources, xz and zstd for
# module and source compression.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "make, gcc, kmod, bc, flex, bison, dwarves, libelf-dev, libssl-dev, patch, curl, xz-utils, zstd")
# verify --boot: QEMU, and the busybox and cpio its initramfs is made of.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "qemu-system-x86, busybox-static, cpio")
include(CPack)
