# Fails if an object of an ISA level defines (strongly or weakly) a symbol
# outside namespace aotc_cpu::<level>, other than its own kernel table: such
# a symbol could be shared with code of another level at link time, and an
# AVX-512 copy picked for a baseline caller crashes older CPUs.
# -DNM=<nm> -DISA_OBJECTS="baseline=a.o:b.o;avx2=..."
foreach(entry IN LISTS ISA_OBJECTS)
  string(REGEX MATCH "^([a-z0-9]+)=(.*)$" _ "${entry}")
  set(isa "${CMAKE_MATCH_1}")
  string(REPLACE ":" ";" objs "${CMAKE_MATCH_2}")
  foreach(obj IN LISTS objs)
    execute_process(COMMAND ${NM} -C --defined-only ${obj} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "nm failed on ${obj}")
    endif()
    string(REPLACE "\n" ";" lines "${out}")
    foreach(line IN LISTS lines)
      # Only global symbols (upper-case type letters) can be shared.
      if(line MATCHES "^[0-9a-f]+ [A-Z] (.*)$")
        set(sym "${CMAKE_MATCH_1}")
        # DW.ref.*: the same pointer to the C++ personality routine in every
        # object that has unwind tables (data, not code).
        if(NOT sym MATCHES "^aotc_cpu::${isa}::" AND NOT sym MATCHES "^aotc_cpu::detail::k[A-Za-z0-9]+Kernels$"
           AND NOT sym MATCHES "^DW\\.ref\\.")
          message(FATAL_ERROR "${obj} (${isa}) defines a shared symbol outside its namespace: ${sym}")
        endif()
      endif()
    endforeach()
  endforeach()
  message(STATUS "${isa}: ok")
endforeach()
