# Unit tests of the pipeline config checker and the plugin loader (core/).
# They link the sluicecore library and load small test plugins built from
# tests/plugin/ into folders of their own, never into the real plugin folder:
#   test-plugins/cfg-good  plugins the fixtures use (one option of each type)
#   test-plugins/cfg-bad   plugins built wrongly on purpose, one fault each
set(SL_CFGTEST_GOOD "${CMAKE_BINARY_DIR}/test-plugins/cfg-good")
set(SL_CFGTEST_BAD "${CMAKE_BINARY_DIR}/test-plugins/cfg-bad")
set(SL_CFGTEST_TARGETS "")

# sl_cfgtest_plugin(DIR KIND NAME SOURCE [DEFINITIONS...])
function(sl_cfgtest_plugin dir kind name src)
  set(target "cfgtest_${kind}_${name}")
  add_library(${target} MODULE "${SLUICE_TEST_DIR}/plugin/${src}")
  set_target_properties(${target} PROPERTIES
    PREFIX "" OUTPUT_NAME "${kind}_${name}"
    LIBRARY_OUTPUT_DIRECTORY "${dir}"
    C_VISIBILITY_PRESET hidden)
  target_include_directories(${target} PRIVATE "${PROJECT_SOURCE_DIR}/include")
  target_link_libraries(${target} PRIVATE PkgConfig::JANSSON)
  target_compile_definitions(${target} PRIVATE TP_NAME="${name}" TP_FILE_NAME="${name}" ${ARGN})
  set(SL_CFGTEST_TARGETS ${SL_CFGTEST_TARGETS} ${target} PARENT_SCOPE)
endfunction()

sl_cfgtest_plugin("${SL_CFGTEST_GOOD}" source cfgsrc test_source.c)
sl_cfgtest_plugin("${SL_CFGTEST_GOOD}" source cfgfile test_source.c)
sl_cfgtest_plugin("${SL_CFGTEST_GOOD}" transform cfgmap test_transform.c)
sl_cfgtest_plugin("${SL_CFGTEST_GOOD}" transform cfgserial test_transform.c TP_SERIAL)
sl_cfgtest_plugin("${SL_CFGTEST_GOOD}" sink cfgout test_sink.c)
sl_cfgtest_plugin("${SL_CFGTEST_GOOD}" sink cfgfile test_sink.c)
sl_cfgtest_plugin("${SL_CFGTEST_GOOD}" sink cfgnull test_sink.c TP_NO_OPTIONS)

foreach(sl_cfgtest_fault ABI NOENTRY NULLDESC MISNAMED BADNAME NORUN NOINIT NOWRITE BADKIND SMALL
              BADTYPE NOTERM DUPOPT BADDEFAULT BADCHOICE IDOPT)
  string(TOLOWER "${sl_cfgtest_fault}" sl_cfgtest_lname)
  if(sl_cfgtest_fault STREQUAL "NOWRITE")
    set(sl_cfgtest_kind sink)
  else()
    set(sl_cfgtest_kind source)
  endif()
  sl_cfgtest_plugin("${SL_CFGTEST_BAD}" ${sl_cfgtest_kind} "${sl_cfgtest_lname}" bad_plugin.c TP_${sl_cfgtest_fault})
endforeach()

foreach(sl_cfgtest_t config loader)
  add_executable(test_${sl_cfgtest_t} "${SLUICE_TEST_DIR}/unit/test_${sl_cfgtest_t}.c")
  target_link_libraries(test_${sl_cfgtest_t} PRIVATE sluicecore)
  target_compile_definitions(test_${sl_cfgtest_t} PRIVATE
    CFGTEST_GOOD_DIR="${SL_CFGTEST_GOOD}"
    CFGTEST_BAD_DIR="${SL_CFGTEST_BAD}"
    CFGTEST_DATA_DIR="${SLUICE_TEST_DIR}/unit/data/config")
  add_dependencies(test_${sl_cfgtest_t} ${SL_CFGTEST_TARGETS})
  add_test(NAME unit_${sl_cfgtest_t} COMMAND test_${sl_cfgtest_t})
  # The tests set SLUICE_PLUGIN_PATH themselves; an inherited one must not leak in.
  set_tests_properties(unit_${sl_cfgtest_t} PROPERTIES ENVIRONMENT "SLUICE_PLUGIN_PATH=" TIMEOUT 60)
endforeach()
