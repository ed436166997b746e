# Warning flags shared by every aotc target: on, and clean.
function(aotc_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local
                                           -Wnon-virtual-dtor -Wno-missing-field-initializers)
  if(AOTC_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
