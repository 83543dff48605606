# cml_sources.cmake - the host-independent CommerceML reader (cml_parser.h)
# for other targets, e.g. the 1C exchange endpoint:
#
#   include("${PROJECT_SOURCE_DIR}/connectors/commerceml/cml_sources.cmake")
#   sluice_add_plugin(source onec_exchange SOURCES ... ${SLUICE_CML_SOURCES}
#                     LIBS PkgConfig::LIBXML2)
#   target_include_directories(source_onec_exchange PRIVATE ${SLUICE_CML_INCLUDE_DIRS})
include("${CMAKE_CURRENT_LIST_DIR}/../xmlcommon/xmlcommon.cmake")
set(SLUICE_CML_DIR "${CMAKE_CURRENT_LIST_DIR}")
set(SLUICE_CML_SOURCES
  "${SLUICE_CML_DIR}/cml_parser.c"
  "${SLUICE_CML_DIR}/cml_classifier.c"
  "${SLUICE_CML_DIR}/cml_items.c"
  ${SLUICE_XMLCOMMON_HOSTLESS_SOURCES})
set(SLUICE_CML_INCLUDE_DIRS "${SLUICE_CML_DIR}" "${SLUICE_XMLCOMMON_DIR}")
