# Install rules and the find_package(aotc) config.
#
# Components:
#   runtime  libaotc_runtime.so and its headers (aotc/runtime.h, runtime.hpp):
#            what a program that runs packages needs; target aotc::runtime.
#   model    what `aotc compile` links every model library with:
#            lib/aotc/libaotc_model_rt.a (target aotc::model_rt), lib/aotc/aotc_model.map,
#            include/aotc/aotc_model.h and include/aotc/model_abi.h, and the CMake
#            function aotc_add_model_library (lib/cmake/aotc/AotcModelLibrary.cmake).
# Both go into one export set so that find_package(aotc) sees both targets.
include(CMakePackageConfigHelpers)

set(AOTC_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/aotc")
set(AOTC_INSTALL_MODELDIR "${CMAKE_INSTALL_LIBDIR}/aotc")

set_target_properties(aotc_model_rt PROPERTIES EXPORT_NAME model_rt)

install(TARGETS aotc_runtime EXPORT aotcTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT runtime)
install(FILES
    runtime/include/aotc/model_abi.h
    runtime/include/aotc/runtime.h
    runtime/include/aotc/runtime.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/aotc COMPONENT runtime)

install(TARGETS aotc_model_rt EXPORT aotcTargets
  ARCHIVE DESTINATION ${AOTC_INSTALL_MODELDIR} COMPONENT model)
install(FILES runtime/model/aotc_model.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/aotc COMPONENT model)
install(FILES runtime/model/aotc_model.map DESTINATION ${AOTC_INSTALL_MODELDIR} COMPONENT model)
install(FILES cmake/AotcModelLibrary.cmake DESTINATION ${AOTC_INSTALL_CMAKEDIR} COMPONENT model)
install(FILES cmake/AotcCompileModel.cmake DESTINATION ${AOTC_INSTALL_CMAKEDIR} COMPONENT compiler)

# The aotc executable, as aotc::aotc (what aotc_compile_model runs).
install(TARGETS aotc EXPORT aotcTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT compiler)

install(EXPORT aotcTargets NAMESPACE aotc:: DESTINATION ${AOTC_INSTALL_CMAKEDIR} COMPONENT runtime)
configure_package_config_file(cmake/aotcConfig.cmake.in "${PROJECT_BINARY_DIR}/aotcConfig.cmake"
  INSTALL_DESTINATION ${AOTC_INSTALL_CMAKEDIR}
  PATH_VARS AOTC_INSTALL_MODELDIR)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/aotcConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/aotcConfig.cmake" "${PROJECT_BINARY_DIR}/aotcConfigVersion.cmake"
  DESTINATION ${AOTC_INSTALL_CMAKEDIR} COMPONENT runtime)

# `aotc compile` links CPU models with the CPU kernel library too; it is not a
# CMake target users link, so it is installed as a plain file.
install(FILES $<TARGET_FILE:aotc_cpu_kernels> DESTINATION ${AOTC_INSTALL_MODELDIR} COMPONENT model)
