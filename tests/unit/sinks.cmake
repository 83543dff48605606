# Unit tests of the sqlite, file and stdout sinks. The plugins run
# in-process through the harness (tests/harness/); test_sink_json builds
# the shared JSON writer straight from its sources.
set(SLUICE_SINK_FILE_SRC "${PROJECT_SOURCE_DIR}/sinks/file")

add_executable(test_sink_json "${CMAKE_CURRENT_LIST_DIR}/test_sink_json.c"
               "${SLUICE_SINK_FILE_SRC}/json_text.c" "${SLUICE_SINK_FILE_SRC}/sink_buf.c")
target_include_directories(test_sink_json PRIVATE "${SLUICE_SINK_FILE_SRC}" "${SLUICE_TEST_DIR}/harness")
target_link_libraries(test_sink_json PRIVATE PkgConfig::JANSSON m)
add_test(NAME unit.sink_json COMMAND test_sink_json)

# test name -> plugins it loads
set(SLUICE_SINK_TESTS sqlite file stdout bench)
set(SLUICE_SINK_TEST_PLUGINS_sqlite sink_sqlite)
set(SLUICE_SINK_TEST_PLUGINS_file sink_file)
set(SLUICE_SINK_TEST_PLUGINS_stdout sink_stdout)
set(SLUICE_SINK_TEST_PLUGINS_bench sink_sqlite sink_file)
foreach(t IN LISTS SLUICE_SINK_TESTS)
  add_executable(test_sink_${t} "${CMAKE_CURRENT_LIST_DIR}/test_sink_${t}.c")
  target_link_libraries(test_sink_${t} PRIVATE sluice_harness PkgConfig::SQLITE3)
  add_dependencies(test_sink_${t} ${SLUICE_SINK_TEST_PLUGINS_${t}})
  add_test(NAME unit.sink_${t} COMMAND test_sink_${t})
endforeach()

foreach(t json sqlite file stdout bench)
  set_tests_properties(unit.sink_${t} PROPERTIES TIMEOUT 60 LABELS "unit;sinks")
endforeach()
