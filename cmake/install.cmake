# install.cmake: the run-time files (presets and weights, melody corpora, demo primer),
# laid out as share/continuo both in the build tree (links into the source tree, so
# BUILD/continuo runs in place) and under the install prefix; the man page, bash
# completion and the Debian package (cpack -G DEB).
include(GNUInstallDirs)

set(CN_SHARE_BUILD ${PROJECT_BINARY_DIR}/share/continuo)
file(MAKE_DIRECTORY ${CN_SHARE_BUILD}/data)
foreach(link presets data/melody data/demo)
  if(NOT EXISTS ${CN_SHARE_BUILD}/${link})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${link} ${CN_SHARE_BUILD}/${link} SYMBOLIC)
  endif()
endforeach()

# The n-gram's default long-term model, counted once here instead of at every start.
file(GLOB CN_NGRAM_TUNES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/data/melody/nottingham/train/*.mid)
add_custom_command(OUTPUT ${CN_SHARE_BUILD}/ngram-nottingham.ltm
  COMMAND continuo train ngram --data ${PROJECT_SOURCE_DIR}/data/melody/nottingham/train
          -o ${CN_SHARE_BUILD}/ngram-nottingham.ltm
  DEPENDS continuo ${CN_NGRAM_TUNES} VERBATIM)
add_custom_target(cn_ngram_ltm ALL DEPENDS ${CN_SHARE_BUILD}/ngram-nottingham.ltm)
install(FILES ${CN_SHARE_BUILD}/ngram-nottingham.ltm DESTINATION ${CMAKE_INSTALL_DATADIR}/continuo)

install(TARGETS continuo RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/presets/ DESTINATION ${CMAKE_INSTALL_DATADIR}/continuo/presets)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/data/melody ${PROJECT_SOURCE_DIR}/data/demo
        DESTINATION ${CMAKE_INSTALL_DATADIR}/continuo/data)
install(FILES ${PROJECT_SOURCE_DIR}/docs/continuo.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/scripts/continuo.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME continuo)

# cpack -G DEB (from the build folder): continuo_VERSION_ARCH.deb; its Depends come from
# dpkg-shlibdeps on the binary's shared libraries.
set(CPACK_PACKAGE_NAME continuo)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "continuo developers <continuo@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "melody continuation and neural instruments in C")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "continuo continues melodies with a small transformer and turns\n notes into sound with a WaveNet-style model or a reference synth, live or into files.")
set(CPACK_DEBIAN_PACKAGE_SECTION sound)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
include(CPack)
