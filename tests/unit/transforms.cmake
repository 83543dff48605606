# Unit tests of the map and filter transforms, run in-process through the
# plugin harness (tests/harness/) against the freshly built plugins.
foreach(t map filter)
  add_executable(test_${t} "${CMAKE_CURRENT_LIST_DIR}/test_${t}.c")
  target_link_libraries(test_${t} PRIVATE sluice_harness Threads::Threads)
  add_dependencies(test_${t} transform_${t})
  add_test(NAME unit_${t} COMMAND test_${t})
  set_tests_properties(unit_${t} PROPERTIES TIMEOUT 60 LABELS "unit;transforms")
endforeach()
