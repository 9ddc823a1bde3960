# lv2.cmake: the LV2 instrument bundle continuo.lv2 (lv2/, docs/lv2.md "Instrument"),
# built only with lilv and the LV2 headers, like LV2 hosting. The module links
# libcontinuo's objects (built position-independent for it) and exports only
# lv2_descriptor. In the build tree the bundle sits at BUILD/lib/lv2/continuo.lv2, so it
# finds BUILD/share/continuo the way an installed one finds PREFIX/share/continuo.
pkg_check_modules(LV2 IMPORTED_TARGET lv2)
if(NOT (LILV_FOUND AND LV2_FOUND))
  message(STATUS "lilv or lv2 not found: not building the LV2 instrument (install liblilv-dev lv2-dev)")
  return()
endif()
set(CN_LV2_DIR lib/lv2/continuo.lv2)
set(CN_LV2_BUILD ${PROJECT_BINARY_DIR}/${CN_LV2_DIR})
file(RELATIVE_PATH CN_LV2_SHARE_REL /p/${CN_LV2_DIR} /p/${CMAKE_INSTALL_DATADIR}/continuo)

file(GLOB CN_LV2_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/lv2/*.c)
add_library(cn_lv2_instrument MODULE ${CN_LV2_SOURCES})
target_compile_definitions(cn_lv2_instrument PRIVATE CN_LV2_SHARE_REL="${CN_LV2_SHARE_REL}")
target_link_libraries(cn_lv2_instrument PRIVATE libcontinuo PkgConfig::LV2)
target_link_options(cn_lv2_instrument PRIVATE -Wl,--as-needed
  -Wl,--version-script=${PROJECT_SOURCE_DIR}/lv2/exports.map)
# Every symbol resolved at link time, except in sanitizer builds (clang's runtimes live in
# the executable).
if(NOT (CN_FUZZ OR CN_SANITIZE_ADDRESS OR CN_SANITIZE_THREAD OR CN_SANITIZE_UNDEFINED))
  target_link_options(cn_lv2_instrument PRIVATE -Wl,--no-undefined)
endif()
set_target_properties(cn_lv2_instrument PROPERTIES OUTPUT_NAME continuo PREFIX ""
  C_VISIBILITY_PRESET hidden LIBRARY_OUTPUT_DIRECTORY ${CN_LV2_BUILD}
  LINK_DEPENDS ${PROJECT_SOURCE_DIR}/lv2/exports.map)
configure_file(${PROJECT_SOURCE_DIR}/lv2/manifest.ttl.in ${CN_LV2_BUILD}/manifest.ttl @ONLY)
configure_file(${PROJECT_SOURCE_DIR}/lv2/continuo.ttl ${CN_LV2_BUILD}/continuo.ttl COPYONLY)
install(TARGETS cn_lv2_instrument LIBRARY DESTINATION ${CN_LV2_DIR})
install(FILES ${CN_LV2_BUILD}/manifest.ttl ${CN_LV2_BUILD}/continuo.ttl DESTINATION ${CN_LV2_DIR})
