# Tests of `sluice report` (core/cli_report.c, core/report_*.c):
#   unit_report         exact decimals, dates and the forecast (C, links sluicecore)
#   report.kpis         KPIs of a crafted warehouse (tests/report/crafted.sql) against
#                       hand-computed values and independent plain SQL; missing
#                       tables and columns; --from/--to; --by; text output; usage errors
#   report.html         the HTML report rendered by headless Chromium: a screenshot
#                       that is not blank and the SVG elements of every chart
#                       (skipped, exit 77, when chromium is not installed)
add_executable(test_report_unit "${CMAKE_CURRENT_LIST_DIR}/test_report_unit.c")
target_link_libraries(test_report_unit PRIVATE sluicecore)
add_test(NAME unit_report COMMAND test_report_unit)
set_tests_properties(unit_report PROPERTIES TIMEOUT 60)

find_program(SLUICE_REPORT_BASH bash REQUIRED)
foreach(sl_report_t kpis html)
  add_test(NAME "report.${sl_report_t}"
           COMMAND "${SLUICE_REPORT_BASH}" "${CMAKE_CURRENT_LIST_DIR}/test_report_${sl_report_t}.sh"
           WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
  set_tests_properties("report.${sl_report_t}" PROPERTIES
    LABELS "report;e2e"
    TIMEOUT 120
    SKIP_RETURN_CODE 77
    ENVIRONMENT "SLUICE=$<TARGET_FILE:sluice>;SLUICE_BUILD_DIR=${CMAKE_BINARY_DIR};SLUICE_SOURCE_DIR=${PROJECT_SOURCE_DIR};SLUICE_PLUGIN_DIR=${SLUICE_BUILD_PLUGIN_DIR};SLUICE_REPORT_DIR=${CMAKE_CURRENT_LIST_DIR}")
endforeach()
