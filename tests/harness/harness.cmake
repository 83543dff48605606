# sluice_harness: the in-process fake host plugin tests link against.
# Tests find the freshly built plugins through SLUICE_HARNESS_PLUGIN_DIR
# (compiled in; the environment variable of the same name overrides it) and
# must add_dependencies() on the plugin targets they load.
if(NOT TARGET sluice_harness)
  add_library(sluice_harness STATIC "${CMAKE_CURRENT_LIST_DIR}/harness.c")
  target_include_directories(sluice_harness PUBLIC
    "${PROJECT_SOURCE_DIR}/include" "${CMAKE_CURRENT_LIST_DIR}")
  target_compile_definitions(sluice_harness PUBLIC
    SLUICE_HARNESS_PLUGIN_DIR="${SLUICE_BUILD_PLUGIN_DIR}")
  target_link_libraries(sluice_harness PUBLIC PkgConfig::JANSSON ${CMAKE_DL_LIBS})
endif()
