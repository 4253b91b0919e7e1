# Install rules and the Debian package (CPack DEB), built by
# ./deploy/package.sh: /usr/bin/fedlink, the systemd template unit, the man
# page (help2man from --help), bash completion, the docs and example
# policies; postinst creates the fedlink system user, /var/lib/fedlink and
# /etc/fedlink (docs/operations.md).
include(GNUInstallDirs)
install(TARGETS fedlink RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/deploy/fedlink@.service DESTINATION /lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/fedlink.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME fedlink)
file(GLOB FEDLINK_DOCS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${FEDLINK_DOCS}
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/fedlink)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/debian/copyright
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/fedlink)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/deploy/examples/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/fedlink/examples)

# The man page and changelog, generated (gzip -9n: reproducible).
find_program(HELP2MAN help2man)
set(FEDLINK_MAN ${CMAKE_BINARY_DIR}/fedlink.1.gz)
set(FEDLINK_CHANGELOG ${CMAKE_BINARY_DIR}/changelog.gz)
if(HELP2MAN)
  add_custom_command(OUTPUT ${FEDLINK_MAN}
    COMMAND ${HELP2MAN} --no-info --no-discard-stderr --version-string=${PROJECT_VERSION}
            --name "federated, privacy-preserving record-linkage node"
            --include ${PROJECT_SOURCE_DIR}/deploy/fedlink.h2m $<TARGET_FILE:fedlink>
            | sed "s|${CMAKE_BINARY_DIR}/node/cli/||g" | gzip -9n > ${FEDLINK_MAN}
    DEPENDS fedlink ${PROJECT_SOURCE_DIR}/deploy/fedlink.h2m VERBATIM)
  add_custom_command(OUTPUT ${FEDLINK_CHANGELOG}
    COMMAND gzip -9n -c ${PROJECT_SOURCE_DIR}/deploy/debian/changelog > ${FEDLINK_CHANGELOG}
    DEPENDS ${PROJECT_SOURCE_DIR}/deploy/debian/changelog VERBATIM)
  add_custom_target(fedlink_man DEPENDS ${FEDLINK_MAN} ${FEDLINK_CHANGELOG})
endif()
install(FILES ${FEDLINK_MAN} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 OPTIONAL)
install(FILES ${FEDLINK_CHANGELOG} DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/fedlink OPTIONAL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME fedlink)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "fedlink maintainers <maintainers@fedlink.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "federated, privacy-preserving record linkage for anti-trafficking organisations")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "fedlink lets agencies and NGOs find the persons they share without sharing\n\
their records: each runs a node that answers its peers' blinded queries\n\
under a signed roster, a sharing policy and a tamper-evident access log.\n\
This package installs the fedlink command, a hardened systemd template unit\n\
(fedlink@NODE.service) and the fedlink system user.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://fedlink.invalid/")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/deploy/debian/postinst ${PROJECT_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES ON)
include(CPack)
