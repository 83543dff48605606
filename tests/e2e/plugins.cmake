# Test-only plugins the end-to-end tests load (plugin_path points at
# <build>/test-plugins/e2e); never installed, never in <build>/plugins.
add_library(e2e_sink_flaky MODULE "${SLUICE_TEST_DIR}/plugin/flaky_sink.c")
set_target_properties(e2e_sink_flaky PROPERTIES
  PREFIX "" OUTPUT_NAME "sink_flaky"
  LIBRARY_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/test-plugins/e2e"
  C_VISIBILITY_PRESET hidden)
target_include_directories(e2e_sink_flaky PRIVATE "${PROJECT_SOURCE_DIR}/include")
target_link_libraries(e2e_sink_flaky PRIVATE PkgConfig::JANSSON)

add_library(e2e_sink_txn MODULE "${SLUICE_TEST_DIR}/plugin/txn_sink.c")
set_target_properties(e2e_sink_txn PROPERTIES
  PREFIX "" OUTPUT_NAME "sink_txn"
  LIBRARY_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/test-plugins/e2e"
  C_VISIBILITY_PRESET hidden)
target_include_directories(e2e_sink_txn PRIVATE "${PROJECT_SOURCE_DIR}/include")
target_link_libraries(e2e_sink_txn PRIVATE PkgConfig::JANSSON)
