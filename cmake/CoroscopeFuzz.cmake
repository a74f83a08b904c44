# COROSCOPE_BUILD_FUZZ builds the libFuzzer targets in fuzz/ (clang only). Every
# Coroscope target gets the coverage instrumentation libFuzzer steers by, plus
# AddressSanitizer and UndefinedBehaviorSanitizer, through coroscope_options; only
# the fuzz executables link the fuzzer runtime (coroscope_fuzzer_main, below).
if(NOT COROSCOPE_BUILD_FUZZ)
  return()
endif()
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "COROSCOPE_BUILD_FUZZ needs clang (libFuzzer): use the fuzz preset")
endif()
if(NOT COROSCOPE_SANITIZE STREQUAL "")
  message(FATAL_ERROR "COROSCOPE_BUILD_FUZZ brings its own sanitizers: leave COROSCOPE_SANITIZE empty")
endif()

# clang before 19 leaves C++14 sized deallocation off by default (gcc has it on);
# the runtime's frame pool calls ::operator delete(p, size).
target_compile_options(coroscope_options INTERFACE -fsized-deallocation)

set(_fuzz_san -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
target_compile_options(coroscope_options INTERFACE -fsanitize=fuzzer-no-link ${_fuzz_san})
target_link_options(coroscope_options INTERFACE ${_fuzz_san})
target_compile_definitions(coroscope_options INTERFACE COROSCOPE_SANITIZER=1 COROSCOPE_FUZZING=1)

# Linked by the fuzz executables only: libFuzzer's main and driver.
add_library(coroscope_fuzzer_main INTERFACE)
target_compile_options(coroscope_fuzzer_main INTERFACE -fsanitize=fuzzer)
target_link_options(coroscope_fuzzer_main INTERFACE -fsanitize=fuzzer)
