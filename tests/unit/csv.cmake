# Unit tests of the file source's readers (connectors/file), built straight
# from their sources: no host, no plugin loading.
set(SLUICE_FILE_SRC "${PROJECT_SOURCE_DIR}/connectors/file")

add_executable(test_csv "${SLUICE_TEST_DIR}/unit/test_csv.c" "${SLUICE_FILE_SRC}/csv_reader.c")
target_include_directories(test_csv PRIVATE "${SLUICE_FILE_SRC}")
add_test(NAME unit_csv COMMAND test_csv "${SLUICE_TEST_DIR}/unit/data/csv")

add_executable(test_jsonl "${SLUICE_TEST_DIR}/unit/test_jsonl.c" "${SLUICE_FILE_SRC}/jsonl_reader.c"
               "${SLUICE_FILE_SRC}/paths.c")
target_include_directories(test_jsonl PRIVATE "${SLUICE_FILE_SRC}")
add_test(NAME unit_jsonl COMMAND test_jsonl)
