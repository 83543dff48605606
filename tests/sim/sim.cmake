# Self-tests of the local API simulators (tests/sim/*.py, Python standard
# library only): pagination end markers, auth failures, 204, Link headers,
# rate-limit answers, faults, OAuth rotation, TLS. Runs in a few seconds.
find_program(SLUICE_PYTHON3 python3)
if(SLUICE_PYTHON3)
  add_test(NAME sim.selftest COMMAND "${SLUICE_PYTHON3}" "${CMAKE_CURRENT_LIST_DIR}/test_sims.py")
  set_tests_properties(sim.selftest PROPERTIES LABELS sim TIMEOUT 120)
else()
  message(STATUS "python3 not found: sim.selftest is not registered")
endif()
