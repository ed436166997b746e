# aotc_embed_files(TARGET <target> NAMESPACE <ns> OUTPUT <header-stem> FILES <f>...)
#
# Turns text files (kernel templates, runtime prologue headers) into a generated
# C++ source that exposes them as `std::string_view`s in a lookup table, so that
# emitters print real .h/.cuh files rather than string literals. The generated
# header `<stem>.h` declares:
#     std::string_view <ns>::embedded_file(std::string_view name);   // empty if unknown
#     std::span<const std::string_view> <ns>::embedded_file_names();
# Names are the paths relative to the calling CMakeLists' source directory.
function(aotc_embed_files)
  cmake_parse_arguments(E "" "TARGET;NAMESPACE;OUTPUT" "FILES" ${ARGN})
  set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/embedded")
  set(out_cpp "${out_dir}/${E_OUTPUT}.cpp")
  set(out_h "${out_dir}/${E_OUTPUT}.h")
  set(abs_files "")
  foreach(f IN LISTS E_FILES)
    list(APPEND abs_files "${CMAKE_CURRENT_SOURCE_DIR}/${f}")
  endforeach()
  add_custom_command(
    OUTPUT "${out_cpp}" "${out_h}"
    COMMAND ${CMAKE_COMMAND} -DOUT_CPP=${out_cpp} -DOUT_H=${out_h} -DNAMESPACE=${E_NAMESPACE}
            -DBASE=${CMAKE_CURRENT_SOURCE_DIR} "-DFILES=${E_FILES}"
            -P "${PROJECT_SOURCE_DIR}/cmake/AotcEmbedScript.cmake"
    DEPENDS ${abs_files} "${PROJECT_SOURCE_DIR}/cmake/AotcEmbedScript.cmake"
    COMMENT "Embedding ${E_OUTPUT} (${E_NAMESPACE})"
    VERBATIM)
  target_sources(${E_TARGET} PRIVATE "${out_cpp}" "${out_h}")
  target_include_directories(${E_TARGET} PUBLIC "${out_dir}")
endfunction()
