# The PostgreSQL end-to-end tests (tests/e2e/test_*postgres*.sh, registered
# by tests/e2e/e2e.cmake) start a throwaway server with tests/lib/pg.sh.
# Without the server binaries they print "SKIPPED: ..." and exit 77, which
# ctest then reports as skipped rather than failed (under CI=true they fail
# instead). The restart test loads 200,000 records: give it time.
file(GLOB SLUICE_PG_E2E_TESTS CONFIGURE_DEPENDS "${SLUICE_TEST_DIR}/e2e/test_*postgres*.sh")
foreach(script IN LISTS SLUICE_PG_E2E_TESTS)
  get_filename_component(name "${script}" NAME_WE)
  string(REGEX REPLACE "^test_" "" name "${name}")
  if(TEST "e2e.${name}")
    set_tests_properties("e2e.${name}" PROPERTIES SKIP_RETURN_CODE 77)
    set_property(TEST "e2e.${name}" APPEND PROPERTY LABELS postgres)
  endif()
endforeach()
if(TEST e2e.postgres_restart)
  set_tests_properties(e2e.postgres_restart PROPERTIES TIMEOUT 300)
endif()
