# What `cmake --install BUILD --prefix P` and the .deb (cmake/Package.cmake) put in place:
#   P/bin/wslmod
#   P/share/wslmod/{module-recipes,templates}    found relative to the binary (recipe/catalog.h)
#   P/share/man/man1/wslmod.1.gz                 generated from the CLI's own parser
#   P/share/bash-completion/completions/wslmod   the same
#   P/share/doc/wslmod/{copyright,changelog.gz}  what Debian policy asks of every package
install(TARGETS wslmod RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/module-recipes ${PROJECT_SOURCE_DIR}/templates
  DESTINATION ${CMAKE_INSTALL_DATADIR}/wslmod)
install(FILES ${PROJECT_BINARY_DIR}/doc/wslmod.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_BINARY_DIR}/doc/wslmod.bash-completion
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME wslmod)

# A Debian changelog for this version (dpkg and lintian read it as a native package's), dated
# SOURCE_DATE_EPOCH when set, compressed without a timestamp so that the bytes are reproducible.
string(TIMESTAMP changelog_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
file(WRITE ${PROJECT_BINARY_DIR}/doc/changelog
  "wslmod (${PROJECT_VERSION}) unstable; urgency=medium\n\n"
  "  * wslmod ${PROJECT_VERSION}.\n\n"
  " -- ${WSLMOD_MAINTAINER}  ${changelog_date}\n")
add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/doc/changelog.gz
  COMMAND gzip -9nkf ${PROJECT_BINARY_DIR}/doc/changelog
  DEPENDS ${PROJECT_BINARY_DIR}/doc/changelog VERBATIM)
add_custom_target(wslmod_changelog ALL DEPENDS ${PROJECT_BINARY_DIR}/doc/changelog.gz)
install(FILES ${PROJECT_SOURCE_DIR}/cmake/copyright ${PROJECT_BINARY_DIR}/doc/changelog.gz
  DESTINATION ${CMAKE_INSTALL_DOCDIR})
