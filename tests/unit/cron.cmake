# Unit tests of the cron parser and next-fire-time calculator (core/cron.c)
# and of the time zone reader (core/tz.c); they read /usr/share/zoneinfo.
add_executable(test_cron "${SLUICE_TEST_DIR}/unit/test_cron.c")
target_link_libraries(test_cron PRIVATE sluicecore)
add_test(NAME unit_cron COMMAND test_cron)
