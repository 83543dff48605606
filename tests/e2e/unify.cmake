# The unify end-to-end test (test_unify.sh: examples/maven-crm against awk
# over the CSV files, the quickstart mapping) is registered by e2e.cmake,
# which runs every test_*.sh; here it gets what it needs besides the binary:
# the unify plugin, its mappings and the sources and sink it uses.
if(TEST e2e.unify)
  set_tests_properties(e2e.unify PROPERTIES TIMEOUT 120 LABELS "e2e;transforms")
endif()
