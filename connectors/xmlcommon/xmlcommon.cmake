# xmlcommon.cmake - code shared by the XML sources (commerceml, yml, xml):
# safe libxml2 reader set-up, text helpers, the all-or-nothing spool, path
# expansion, file fingerprints for cursors, and the run loop. It is compiled
# into each plugin (no shared library between plugins), so every plugin
# folder does:
#
#   include("${PROJECT_SOURCE_DIR}/connectors/xmlcommon/xmlcommon.cmake")
#   sluice_add_plugin(source NAME SOURCES ... ${SLUICE_XMLCOMMON_SOURCES}
#                     LIBS PkgConfig::LIBXML2)
#   target_include_directories(source_NAME PRIVATE ${SLUICE_XMLCOMMON_DIR})
#
# SLUICE_XMLCOMMON_HOSTLESS_SOURCES is the part that does not use the sluice
# host (everything but the run loop): what cml_parser.h users compile.
set(SLUICE_XMLCOMMON_DIR "${CMAKE_CURRENT_LIST_DIR}")
if(NOT TARGET PkgConfig::LIBXML2)
  pkg_check_modules(LIBXML2 REQUIRED IMPORTED_TARGET libxml-2.0)
endif()
set(SLUICE_XMLCOMMON_HOSTLESS_SOURCES
  "${SLUICE_XMLCOMMON_DIR}/xml_safe.c"
  "${SLUICE_XMLCOMMON_DIR}/xml_text.c"
  "${SLUICE_XMLCOMMON_DIR}/xml_spool.c"
  "${SLUICE_XMLCOMMON_DIR}/xml_out.c")
set(SLUICE_XMLCOMMON_SOURCES
  ${SLUICE_XMLCOMMON_HOSTLESS_SOURCES}
  "${SLUICE_XMLCOMMON_DIR}/xml_files.c"
  "${SLUICE_XMLCOMMON_DIR}/xml_cursor.c"
  "${SLUICE_XMLCOMMON_DIR}/xml_driver.c")
