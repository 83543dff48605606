# End-to-end tests: every tests/e2e/test_*.sh is one ctest test, run with
# bash against the built binary and plugins. The scripts source lib.sh for
# their helpers and get, in the environment:
#   SLUICE             the sluice binary
#   SLUICE_BUILD_DIR   the build tree
#   SLUICE_SOURCE_DIR  the source tree (examples/, tests/data/ ...)
#   SLUICE_PLUGIN_DIR  the freshly built plugins
#   SLUICE_E2E_DIR     this folder (lib.sh, test data beside the tests)
# Adding a test is adding a file: the glob re-runs at build time.
find_program(SLUICE_BASH bash REQUIRED)
file(GLOB SLUICE_E2E_TESTS CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/test_*.sh")
list(SORT SLUICE_E2E_TESTS)

if(TARGET sluice)
  set(SLUICE_E2E_BINARY "$<TARGET_FILE:sluice>")
else()
  set(SLUICE_E2E_BINARY "${CMAKE_BINARY_DIR}/sluice")
endif()

foreach(script IN LISTS SLUICE_E2E_TESTS)
  get_filename_component(name "${script}" NAME_WE)
  string(REGEX REPLACE "^test_" "" name "${name}")
  add_test(NAME "e2e.${name}" COMMAND "${SLUICE_BASH}" "${script}"
           WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
  set_tests_properties("e2e.${name}" PROPERTIES
    LABELS e2e
    TIMEOUT 120
    ENVIRONMENT "SLUICE=${SLUICE_E2E_BINARY};SLUICE_BUILD_DIR=${CMAKE_BINARY_DIR};SLUICE_SOURCE_DIR=${PROJECT_SOURCE_DIR};SLUICE_PLUGIN_DIR=${SLUICE_BUILD_PLUGIN_DIR};SLUICE_E2E_DIR=${CMAKE_CURRENT_LIST_DIR}")
endforeach()
if(TEST e2e.crash_sqlite)
  set_tests_properties(e2e.crash_sqlite PROPERTIES TIMEOUT 600)
endif()
if(TEST e2e.crash_postgres)
  set_tests_properties(e2e.crash_postgres PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)
endif()
