# Unit tests of the core's HTTP client (core/http*.c). They link sluicecore,
# create clients without an engine (sl_http_new_with) and start the scripted
# server tests/http/testserver.py themselves (python3; openssl for the TLS
# certificate).
find_program(SL_HTTP_PYTHON3 NAMES python3 REQUIRED)
set(SL_HTTP_TEST_DIR "${SLUICE_TEST_DIR}/http")

foreach(sl_http_t http http_many http_redact)
  add_executable(test_${sl_http_t} "${SLUICE_TEST_DIR}/unit/test_${sl_http_t}.c" "${SL_HTTP_TEST_DIR}/testsrv.c")
  target_include_directories(test_${sl_http_t} PRIVATE "${SL_HTTP_TEST_DIR}")
  target_link_libraries(test_${sl_http_t} PRIVATE sluicecore)
  target_compile_definitions(test_${sl_http_t} PRIVATE
    PYTHON3="${SL_HTTP_PYTHON3}"
    TESTSERVER_PY="${SL_HTTP_TEST_DIR}/testserver.py")
  add_test(NAME unit_${sl_http_t} COMMAND test_${sl_http_t})
  # No proxy from the caller's environment may sit between the tests and
  # their server on 127.0.0.1.
  set_tests_properties(unit_${sl_http_t} PROPERTIES TIMEOUT 120
    ENVIRONMENT "no_proxy=127.0.0.1,localhost;NO_PROXY=127.0.0.1,localhost")
endforeach()
