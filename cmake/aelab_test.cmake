# aelab_add_gtest(name SOURCES ... LIBS ...): one GoogleTest binary, each test registered in CTest.
# Tests find the repository (and ../shared/data) through AELAB_SOURCE_DIR.
find_package(GTest REQUIRED)
include(GoogleTest)
function(aelab_add_gtest name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "aelab_add_gtest(${name}): no SOURCES")
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(${name} PRIVATE AELAB_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  # Trainings under test keep their step plans (docs/performance.md) in the build folder, not
  # in the user's ~/.cache/aelab; tests of the cache itself point AELAB_CACHE_DIR elsewhere.
  gtest_discover_tests(${name} WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} DISCOVERY_TIMEOUT 120
    DISCOVERY_MODE PRE_TEST
    PROPERTIES ENVIRONMENT "AELAB_CACHE_DIR=${PROJECT_BINARY_DIR}/test-cache")
endfunction()
