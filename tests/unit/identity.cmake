# Unit tests of the identity transform (transforms/identity), run in-process
# through the plugin harness against the freshly built plugin; id_hash.c is
# compiled in to check SHA-256 and the ids the rule must give.
# The end-to-end test, tests/e2e/test_identity.sh (pipelines, the sqlite
# sink, `sluice identity explain`), is registered by tests/e2e/e2e.cmake's
# glob as e2e.identity; its timeout is raised here.
set(SL_ID_DIR "${PROJECT_SOURCE_DIR}/transforms/identity")
add_executable(test_identity "${SLUICE_TEST_DIR}/unit/test_identity.c" "${SL_ID_DIR}/id_hash.c")
target_include_directories(test_identity PRIVATE "${SL_ID_DIR}" "${PROJECT_SOURCE_DIR}/transforms/normalize"
                           "${PROJECT_SOURCE_DIR}/transforms/common")
target_link_libraries(test_identity PRIVATE sluice_harness Threads::Threads)
add_dependencies(test_identity transform_identity)
add_test(NAME unit_identity COMMAND test_identity)
set_tests_properties(unit_identity PROPERTIES TIMEOUT 120 LABELS "unit;transforms")
if(TEST e2e.identity)
  set_tests_properties(e2e.identity PROPERTIES TIMEOUT 300)
endif()
