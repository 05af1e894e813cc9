# Builds and runs the consumer project. -DMODE=install: install this build into a prefix and
# use find_package; -DMODE=subdirectory: add_subdirectory of the source tree.
foreach(var MODE SOURCE_DIR BUILD_DIR WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_consumer.cmake: ${var} is not set")
  endif()
endforeach()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed (${result}): ${ARGN}\n${out}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
if(MODE STREQUAL "install")
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
  set(configure_args -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
else()
  set(configure_args -DFAULTLINE_SOURCE_DIR=${SOURCE_DIR})
endif()
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/package/consumer -B ${WORK_DIR}/build
    -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" ${configure_args})
# Only the consumer's targets: `all` would also build the adapters it does not link (Catch2's,
# when Catch2 is found), about three quarters more compiling in the add_subdirectory build.
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build -j2 --target consumer consumer_gtest consumer_posix)
run(${WORK_DIR}/build/consumer)
run(${WORK_DIR}/build/consumer_gtest)
run(${WORK_DIR}/build/consumer_posix)
