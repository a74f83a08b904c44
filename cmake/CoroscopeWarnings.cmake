# One interface target carries the project's compile rules, so that no global
# CMAKE_CXX_FLAGS are needed: every Coroscope target links coroscope_options.
add_library(coroscope_options INTERFACE)
target_compile_definitions(coroscope_options INTERFACE
  QT_NO_CAST_FROM_ASCII
  QT_NO_FOREACH
  QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
  QT_NO_KEYWORDS)
target_compile_options(coroscope_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
  -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough
  $<$<CXX_COMPILER_ID:GNU>:-fcoroutines>)
