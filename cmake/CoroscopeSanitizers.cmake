# COROSCOPE_SANITIZE selects a sanitizer build: "address" (address + undefined) or
# "thread". It applies through coroscope_options, like every other compile rule.
set(COROSCOPE_SANITIZE "" CACHE STRING "Sanitizer: empty, address or thread")
set_property(CACHE COROSCOPE_SANITIZE PROPERTY STRINGS "" address thread)

if(COROSCOPE_SANITIZE STREQUAL "address")
  set(_san -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_compile_definitions(coroscope_options INTERFACE COROSCOPE_SANITIZER=1)
elseif(COROSCOPE_SANITIZE STREQUAL "thread")
  set(_san -fsanitize=thread -fno-omit-frame-pointer)
  target_compile_definitions(coroscope_options INTERFACE COROSCOPE_SANITIZER=1)
elseif(NOT COROSCOPE_SANITIZE STREQUAL "")
  message(FATAL_ERROR "COROSCOPE_SANITIZE must be empty, address or thread")
endif()

if(DEFINED _san)
  target_compile_options(coroscope_options INTERFACE ${_san})
  target_link_options(coroscope_options INTERFACE ${_san})
endif()
