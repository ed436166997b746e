# aotc_compile_model(<target> INPUT <model.pt2 | model.json> OUTPUT <package.pt2>
#                    [DEVICE cpu|cuda] [ARCH sm_80 sm_90 ...] [WEIGHTS <path>] [NAME <name>]
#                    [OPTIONS <more aotc compile options>...])
#
# Compiles an exported program into an aotc package at build time: a custom
# command runs `aotc compile` (the installed aotc::aotc, or the `aotc` target
# in aotc's own build tree) and re-runs it when the input, the weights or the
# aotc binary change; <target> is an ALL target that builds the package, and
# its AOTC_PACKAGE property holds the package's path. A relative OUTPUT is in
# the current binary directory. CUDA packages need no GPU to build.
include_guard(GLOBAL)

function(aotc_compile_model target)
  cmake_parse_arguments(A "" "INPUT;OUTPUT;DEVICE;WEIGHTS;NAME" "ARCH;OPTIONS" ${ARGN})
  if(NOT A_INPUT OR NOT A_OUTPUT)
    message(FATAL_ERROR "aotc_compile_model(${target}): INPUT and OUTPUT are required")
  endif()
  if(TARGET aotc::aotc)
    set(exe aotc::aotc)
  elseif(TARGET aotc)
    set(exe aotc)
  else()
    message(FATAL_ERROR "aotc_compile_model(${target}): no aotc executable (install aotc's compiler component)")
  endif()
  get_filename_component(input "${A_INPUT}" ABSOLUTE)
  get_filename_component(output "${A_OUTPUT}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  set(args compile "${input}" -o "${output}")
  set(deps "${input}")
  if(A_DEVICE)
    list(APPEND args --target ${A_DEVICE})
  endif()
  if(A_ARCH)
    string(REPLACE ";" "," archs "${A_ARCH}")
    list(APPEND args --arch ${archs})
  endif()
  if(A_WEIGHTS)
    get_filename_component(weights "${A_WEIGHTS}" ABSOLUTE)
    list(APPEND args --weights "${weights}")
    list(APPEND deps "${weights}")
  endif()
  if(A_NAME)
    list(APPEND args --name ${A_NAME})
  endif()
  list(APPEND args ${A_OPTIONS})
  add_custom_command(
    OUTPUT "${output}"
    COMMAND ${exe} ${args}
    DEPENDS ${deps} $<TARGET_FILE:${exe}>
    COMMENT "aotc: compiling ${A_INPUT} -> ${A_OUTPUT}"
    VERBATIM)
  add_custom_target(${target} ALL DEPENDS "${output}")
  set_target_properties(${target} PROPERTIES AOTC_PACKAGE "${output}")
endfunction()
