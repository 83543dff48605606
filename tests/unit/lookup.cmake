# Unit tests of the lookup transform (transforms/lookup): its exact decimals
# (lk_decimal.c compiled in) and the plugin run in-process through the
# harness. The end-to-end test, tests/e2e/test_lookup.sh, is registered by
# tests/e2e/e2e.cmake's glob as e2e.lookup.
set(SL_LK_DIR "${PROJECT_SOURCE_DIR}/transforms/lookup")
add_executable(test_lookup "${SLUICE_TEST_DIR}/unit/test_lookup.c" "${SL_LK_DIR}/lk_decimal.c")
target_include_directories(test_lookup PRIVATE "${SL_LK_DIR}" "${PROJECT_SOURCE_DIR}/transforms/common")
target_link_libraries(test_lookup PRIVATE sluice_harness Threads::Threads)
add_dependencies(test_lookup transform_lookup)
add_test(NAME unit_lookup COMMAND test_lookup)
set_tests_properties(unit_lookup PROPERTIES TIMEOUT 120 LABELS "unit;transforms")
