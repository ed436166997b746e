# aotc_add_model_library(<target> SOURCES <generated .cpp>... [OUTPUT_NAME <name>] [STRIP])
#
# Builds a model library (`<h>.wrapper.so`) exactly as `aotc compile` does:
# generated code compiled -fPIC with hidden visibility, linked with the model
# support library (aotc_model_rt in the build tree, aotc::model_rt when
# installed; the whole archive), libstdc++ and libgcc linked statically, and the version script
# that exports only the model ABI (AOTInductor* and Aotc*); STRIP drops the
# symbol tables and debug information (release packages). The result
# depends on nothing but libc (and libm); docs/package-format.md gives the
# equivalent compiler command lines, which the compiler's toolchain mirrors.
include_guard(GLOBAL)

function(aotc_add_model_library target)
  cmake_parse_arguments(M "STRIP" "OUTPUT_NAME" "SOURCES" ${ARGN})
  if(TARGET aotc::model_rt)
    set(rt aotc::model_rt)
  else()
    set(rt aotc_model_rt)
  endif()
  if(NOT AOTC_MODEL_VERSION_SCRIPT)
    message(FATAL_ERROR "aotc_add_model_library: AOTC_MODEL_VERSION_SCRIPT is not set")
  endif()
  add_library(${target} MODULE ${M_SOURCES})
  # The whole archive: the exported entry points live in the support library,
  # and nothing in the generated code refers to them.
  target_link_libraries(${target} PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,${rt}>")
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    POSITION_INDEPENDENT_CODE ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LINK_DEPENDS "${AOTC_MODEL_VERSION_SCRIPT}")
  if(M_OUTPUT_NAME)
    set_target_properties(${target} PROPERTIES OUTPUT_NAME "${M_OUTPUT_NAME}")
  endif()
  target_link_options(${target} PRIVATE
    -static-libstdc++ -static-libgcc
    "LINKER:--version-script=${AOTC_MODEL_VERSION_SCRIPT}"
    "LINKER:-z,defs"
    "LINKER:--gc-sections"
    "LINKER:--as-needed")
  if(M_STRIP)
    target_link_options(${target} PRIVATE -s)
  endif()
endfunction()
