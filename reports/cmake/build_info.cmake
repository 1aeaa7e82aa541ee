# Run at every build (reports/CMakeLists.txt): writes OUT from IN with the
# source tree's `git describe --always --dirty`, touching OUT only when the
# text changes, so an unchanged commit rebuilds nothing.
execute_process(COMMAND git -C "${SRC}" describe --always --dirty --tags
                OUTPUT_VARIABLE NINEML_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE rc ERROR_QUIET)
if(NOT rc EQUAL 0 OR NINEML_COMMIT STREQUAL "")
  set(NINEML_COMMIT "unknown")
endif()
configure_file("${IN}" "${OUT}" @ONLY)
