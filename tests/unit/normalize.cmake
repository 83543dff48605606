# Unit tests of the normalize transform (transforms/normalize), run in-process
# through the plugin harness against the freshly built plugin. The table of
# normalisation cases lives in data/normalize/cases.tsv.
add_executable(test_normalize "${SLUICE_TEST_DIR}/unit/test_normalize.c")
target_link_libraries(test_normalize PRIVATE sluice_harness Threads::Threads)
add_dependencies(test_normalize transform_normalize)
add_test(NAME unit_normalize COMMAND test_normalize "${SLUICE_TEST_DIR}/unit/data/normalize")
set_tests_properties(unit_normalize PROPERTIES TIMEOUT 120 LABELS "unit;transforms")
