# Unit tests of the unify transform (transforms/unify), run in-process
# through the plugin harness against the freshly built plugin and the
# built-in mappings the build copies beside it. The cases are data:
# data/unify/*.json (their header says how to read them).
add_executable(test_unify "${SLUICE_TEST_DIR}/unit/test_unify.c")
target_link_libraries(test_unify PRIVATE sluice_harness Threads::Threads)
add_dependencies(test_unify transform_unify unify_mappings)
add_test(NAME unit_unify COMMAND test_unify "${SLUICE_TEST_DIR}/unit/data/unify")
set_tests_properties(unit_unify PROPERTIES TIMEOUT 60 LABELS "unit;transforms")
