# Unit tests of the XML sources' shared code (connectors/xmlcommon), the
# generic source's record paths and the host-independent CommerceML reader
# (cml_parser.h), built straight from their sources: no host, no plugin.
include("${PROJECT_SOURCE_DIR}/connectors/commerceml/cml_sources.cmake")
set(SLUICE_XMLTEST_DATA "${SLUICE_TEST_DIR}/data/xml")

add_executable(test_xml_common "${SLUICE_TEST_DIR}/unit/test_xml_common.c"
               ${SLUICE_XMLCOMMON_HOSTLESS_SOURCES}
               "${PROJECT_SOURCE_DIR}/connectors/xml/xml_recpath.c")
target_include_directories(test_xml_common PRIVATE "${SLUICE_XMLCOMMON_DIR}" "${PROJECT_SOURCE_DIR}/connectors/xml")
target_link_libraries(test_xml_common PRIVATE PkgConfig::LIBXML2 PkgConfig::JANSSON)
add_test(NAME unit_xml_common COMMAND test_xml_common "${SLUICE_XMLTEST_DATA}")

add_executable(test_cml_parser "${SLUICE_TEST_DIR}/unit/test_cml_parser.c" ${SLUICE_CML_SOURCES})
target_include_directories(test_cml_parser PRIVATE ${SLUICE_CML_INCLUDE_DIRS})
target_link_libraries(test_cml_parser PRIVATE PkgConfig::LIBXML2 PkgConfig::JANSSON)
add_test(NAME unit_cml_parser COMMAND test_cml_parser "${SLUICE_XMLTEST_DATA}")
