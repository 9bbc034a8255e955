find_program(MC_VALGRIND valgrind)

# mc_tap_test(NAME SOURCES src... LIBS lib...): a unit test is a TAP producer that ctest runs as
# one test; it exits non-zero when any of its points failed (ctest has no TAP parser). Each one
# is registered a second time under Valgrind memcheck with the label "valgrind" (run by .ci/run).
function(mc_tap_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE mc_tap ${T_LIBS})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 300)
  if(MC_VALGRIND AND NOT MC_SANITIZE)
    add_test(NAME ${name}.valgrind
             COMMAND ${MC_VALGRIND} --error-exitcode=1 --leak-check=full
                     --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect
                     --track-fds=no -q $<TARGET_FILE:${name}>)
    set_tests_properties(${name}.valgrind PROPERTIES LABELS valgrind TIMEOUT 900)
  endif()
endfunction()
