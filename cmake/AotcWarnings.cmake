# Warning flags shared by every aotc target: on, and clean.
function(aotc_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wnon-virtual-dtor
                                           -Wno-missing-field-initializers)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # -Wshadow=local is GCC's; -Wrestrict has false positives on std::string in GCC 12 at -O3.
    target_compile_options(${target} PRIVATE -Wshadow=local -Wno-restrict)
  elseif(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    target_compile_options(${target} PRIVATE -Wshadow-uncaptured-local)
  endif()
  if(AOTC_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
