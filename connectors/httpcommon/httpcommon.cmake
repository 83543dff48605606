# httpcommon.cmake - code shared by the HTTP connectors (httpcommon.h):
# options, JSON pointers and timestamps, checked fetches, the incremental
# cursor, the watermark window and the multi-stream runner. It is compiled into each plugin (no
# library is shared between plugins), so every plugin folder does:
#
#   include("${PROJECT_SOURCE_DIR}/connectors/httpcommon/httpcommon.cmake")
#   sluice_add_plugin(source NAME SOURCES ... ${SLUICE_HTTPCOMMON_SOURCES})
#   target_include_directories(source_NAME PRIVATE ${SLUICE_HTTPCOMMON_DIR})
set(SLUICE_HTTPCOMMON_DIR "${CMAKE_CURRENT_LIST_DIR}")
set(SLUICE_HTTPCOMMON_SOURCES
  "${SLUICE_HTTPCOMMON_DIR}/hc_options.c"
  "${SLUICE_HTTPCOMMON_DIR}/hc_strv.c"
  "${SLUICE_HTTPCOMMON_DIR}/hc_json.c"
  "${SLUICE_HTTPCOMMON_DIR}/hc_time.c"
  "${SLUICE_HTTPCOMMON_DIR}/hc_fetch.c"
  "${SLUICE_HTTPCOMMON_DIR}/hc_cursor.c"
  "${SLUICE_HTTPCOMMON_DIR}/hc_tasks.c"
  "${SLUICE_HTTPCOMMON_DIR}/hc_window.c")
