# ctest driver (cmake -P): installs this build into a scratch prefix, builds
# examples/run_model against it with find_package(aotc), letting its
# aotc_compile_model compile the MLP fixture at build time, then runs the
# example and the installed `aotc run` on the package and compares the output
# with PyTorch's reference.
#   -DBUILD_DIR -DSOURCE_DIR -DFIXTURES -DWORK -DNPY_COMPARE
foreach(v BUILD_DIR SOURCE_DIR FIXTURES WORK NPY_COMPARE)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "${v} is not set")
  endif()
endforeach()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK}")
set(prefix "${WORK}/prefix")
run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")
foreach(f bin/aotc lib/aotc/libaotc_model_rt.a lib/aotc/libaotc_cpu_kernels.a lib/aotc/aotc_model.map
          lib/cmake/aotc/aotcConfig.cmake lib/cmake/aotc/AotcCompileModel.cmake include/aotc/runtime.hpp)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "the install lacks ${f}")
  endif()
endforeach()

set(example "${WORK}/example")
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}/examples/run_model" -B "${example}" -G Ninja
    "-DCMAKE_PREFIX_PATH=${prefix}" "-DAOTC_EXAMPLE_MODEL=${FIXTURES}/mlp/model.pt2")
run(${CMAKE_COMMAND} --build "${example}")
if(NOT EXISTS "${example}/model.aotc.pt2")
  message(FATAL_ERROR "aotc_compile_model did not produce ${example}/model.aotc.pt2")
endif()

# The example program, on the package the build made.
run("${example}/run_model" "${example}/model.aotc.pt2" "${FIXTURES}/mlp/case_0/input_0.npy")
if(NOT last_output MATCHES "sigmoid")
  message(FATAL_ERROR "run_model printed no output named sigmoid:\n${last_output}")
endif()
# The installed aotc, on the same package, against PyTorch's output.
run("${prefix}/bin/aotc" run "${example}/model.aotc.pt2" --input "${FIXTURES}/mlp/case_0/input_0.npy"
    --output-dir "${WORK}/out")
run("${NPY_COMPARE}" "${WORK}/out/output_0.npy" "${FIXTURES}/mlp/case_0/output_0.npy" 1e-5)

# Touching the program re-runs the compile; a second build without changes does not.
run(${CMAKE_COMMAND} --build "${example}")
if(last_output MATCHES "aotc: compiling")
  message(FATAL_ERROR "the package was rebuilt with nothing changed:\n${last_output}")
endif()
message(STATUS "installed aotc: find_package, aotc_compile_model, run_model and aotc run all work")
