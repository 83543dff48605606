# Tests of `sluice serve` and `sluice status`:
# - unit_serve: the scheduling logic (core/serve_sched.c) with a fake clock,
#   the history helpers and the metrics text (tests/unit/test_serve.c);
# - the probe source the e2e tests (tests/e2e/test_serve*.sh) steer: runs
#   that wait at a gate file, crash, or mark that they started. Built into
#   <build>/test-plugins/serve, never installed.
add_executable(test_serve "${SLUICE_TEST_DIR}/unit/test_serve.c")
target_link_libraries(test_serve PRIVATE sluicecore)
add_test(NAME unit_serve COMMAND test_serve)

add_library(serve_source_probe MODULE "${SLUICE_TEST_DIR}/serve/probe_source.c")
set_target_properties(serve_source_probe PROPERTIES
  PREFIX "" OUTPUT_NAME "source_probe"
  LIBRARY_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/test-plugins/serve"
  C_VISIBILITY_PRESET hidden)
target_include_directories(serve_source_probe PRIVATE "${PROJECT_SOURCE_DIR}/include")
target_link_libraries(serve_source_probe PRIVATE PkgConfig::JANSSON)
