# Unit tests of connectors/httpcommon (the code every HTTP connector shares),
# built straight from its sources against a tiny fake host in the test: no
# core, no plugin loading.
include("${PROJECT_SOURCE_DIR}/connectors/httpcommon/httpcommon.cmake")
add_executable(test_httpcommon "${SLUICE_TEST_DIR}/unit/test_httpcommon.c" ${SLUICE_HTTPCOMMON_SOURCES})
target_include_directories(test_httpcommon PRIVATE "${PROJECT_SOURCE_DIR}/include" "${SLUICE_HTTPCOMMON_DIR}")
target_link_libraries(test_httpcommon PRIVATE PkgConfig::JANSSON)
add_test(NAME unit_httpcommon COMMAND test_httpcommon)
