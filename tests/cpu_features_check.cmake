# ctest -R cpu_features_expected: runs `coreinfer info --cpu` (through the cross-compiling
# emulator when there is one) and checks it against COREINFER_EXPECT_CPU_FEATURES, a list of
# "name=value" items separated by spaces or commas, e.g. "asimddp=yes i8mm=no sve_vector_bits=256"
# (names as `info --cpu` prints them). Skipped (SKIP_REGULAR_EXPRESSION) when the variable is not set:
# scripts/test-arm.sh sets it for each emulated CPU model.
#   cmake -DBINARY=... [-DEMULATOR=qemu-aarch64|-L|/usr/aarch64-linux-gnu] -P cpu_features_check.cmake
set(expected "$ENV{COREINFER_EXPECT_CPU_FEATURES}")
if(expected STREQUAL "")
  message("COREINFER_EXPECT_CPU_FEATURES is not set: nothing to check")
  return()
endif()
string(REPLACE "|" ";" EMULATOR "${EMULATOR}")  # the emulator and its arguments
execute_process(COMMAND ${EMULATOR} ${BINARY} info --cpu
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "coreinfer info --cpu failed (${rc})")
endif()
string(REPLACE "," " " expected "${expected}")
separate_arguments(expected UNIX_COMMAND "${expected}")
set(failures "")
foreach(item IN LISTS expected)
  if(NOT item MATCHES "^([A-Za-z0-9_]+)=(.+)$")
    message(FATAL_ERROR "bad item '${item}' in COREINFER_EXPECT_CPU_FEATURES (want name=value)")
  endif()
  set(name "${CMAKE_MATCH_1}")
  set(want "${CMAKE_MATCH_2}")
  set(got "absent")
  if(out MATCHES "(^|\n)${name}: ([^\n]*)")
    set(got "${CMAKE_MATCH_2}")
  endif()
  if(NOT got STREQUAL want)
    string(APPEND failures "  ${name}: expected ${want}, got ${got}\n")
  endif()
endforeach()
if(failures)
  message(FATAL_ERROR "CPU features differ from COREINFER_EXPECT_CPU_FEATURES:\n${failures}")
endif()
message("CPU features as expected: ${expected}")
