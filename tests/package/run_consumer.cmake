# Builds and runs the consumer project (tests/package/consumer) one way, building only what it
# links. MODE is one of:
#   install       install this build (BUILD_DIR) into a prefix, then find_package; without
#                 GoogleTest, find_package fails naming it
#   pkgconfig     install this build into a prefix, then compile and link with pkg-config's
#                 flags alone, as a Makefile would
#   subdirectory  add_subdirectory of the source tree
#   fetchcontent  FetchContent of the source tree
#   shared        build and install faultline with BUILD_SHARED_LIBS=ON, find_package it, and
#                 check that libfaultline.so exports its API and not its internals
foreach(var MODE SOURCE_DIR BUILD_DIR WORK_DIR CXX_COMPILER)
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

# The outer build's CMAKE_PREFIX_PATH (where its GoogleTest may be), '|'-separated.
string(REPLACE "|" ";" PREFIX_PATH "${PREFIX_PATH}")
set(consumer ${SOURCE_DIR}/tests/package/consumer)
set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/build)
file(REMOVE_RECURSE ${WORK_DIR})
set(common_args -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
                "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}")

if(MODE STREQUAL "pkgconfig")
  if(NOT PKG_CONFIG)
    message(FATAL_ERROR "pkg-config is not installed (Debian: apt-get install pkg-config)")
  endif()
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
  file(MAKE_DIRECTORY ${build})
  # The GoogleTest this build used (a CMAKE_PREFIX_PATH of the build) before the system's.
  set(pc_path ${prefix}/lib/pkgconfig)
  foreach(dir IN LISTS PREFIX_PATH)
    list(APPEND pc_path ${dir}/lib/pkgconfig ${dir}/share/pkgconfig)
  endforeach()
  string(REPLACE ";" ":" pc_path "${pc_path}")
  set(ENV{PKG_CONFIG_PATH} "${pc_path}")
  # A shared faultline (the outer build's BUILD_SHARED_LIBS) is found where it was installed.
  set(ENV{LD_LIBRARY_PATH} "${prefix}/lib:$ENV{LD_LIBRARY_PATH}")
  separate_arguments(flags UNIX_COMMAND "${CXX_FLAGS}")
  # Each program with the package it needs and its source.
  foreach(program "consumer;faultline;main.cpp"
                  "consumer_gtest;faultline-gtest-main;gtest_test.cpp")
    list(GET program 0 name)
    list(GET program 1 package)
    list(GET program 2 source)
    execute_process(COMMAND ${PKG_CONFIG} --cflags --libs ${package} RESULT_VARIABLE result
                    OUTPUT_VARIABLE pc_flags ERROR_VARIABLE pc_flags
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT result EQUAL 0)
      message(FATAL_ERROR "pkg-config --cflags --libs ${package} failed:\n${pc_flags}")
    endif()
    separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
    run(${CXX_COMPILER} -std=c++17 ${flags} -o ${build}/${name} ${consumer}/${source} ${pc_flags})
    run(${build}/${name})
  endforeach()
  return()
endif()

if(MODE STREQUAL "install")
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
  set(configure_args -DCMAKE_PREFIX_PATH=${prefix})
elseif(MODE STREQUAL "shared")
  # Only the libraries the consumer links: no tests, examples or Catch2 adapter.
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/faultline ${common_args}
      "-DCMAKE_PREFIX_PATH=${PREFIX_PATH}"
      -DBUILD_SHARED_LIBS=ON -DFAULTLINE_BUILD_TESTS=OFF -DFAULTLINE_BUILD_EXAMPLES=OFF
      -DFAULTLINE_INSTALL=ON -DFAULTLINE_CATCH2=OFF -DFAULTLINE_GTEST=ON)
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/faultline -j2)
  run(${CMAKE_COMMAND} --install ${WORK_DIR}/faultline --prefix ${prefix})
  set(configure_args -DCMAKE_PREFIX_PATH=${prefix} -DFAULTLINE_SHARED=ON)
elseif(MODE MATCHES "^(subdirectory|fetchcontent)$")
  set(configure_args -DFAULTLINE_SOURCE_DIR=${SOURCE_DIR} -DFAULTLINE_BY=${MODE}
                     "-DCMAKE_PREFIX_PATH=${PREFIX_PATH}")
else()
  message(FATAL_ERROR "run_consumer.cmake: unknown MODE \"${MODE}\"")
endif()
run(${CMAKE_COMMAND} -S ${consumer} -B ${build} ${common_args} ${configure_args})
# Only the consumer's targets: `all` would also build what it does not link.
run(${CMAKE_COMMAND} --build ${build} -j2 --target consumer consumer_gtest consumer_posix)
run(${build}/consumer)
run(${build}/consumer_gtest)
run(${build}/consumer_posix)

if(MODE MATCHES "^(install|shared)$")
  # faultline-report comes with the package, in bin.
  run(${prefix}/bin/faultline-report --help)
endif()

if(MODE STREQUAL "install")
  # Asked for, the gtest component without GoogleTest is an error naming what is missing.
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${consumer} -B ${WORK_DIR}/no-gtest ${common_args}
                          ${configure_args} -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON
                  RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(result EQUAL 0 OR NOT out MATCHES "component gtest: GoogleTest with GoogleMock")
    message(FATAL_ERROR "find_package(faultline COMPONENTS gtest) without GoogleTest did not "
                        "fail saying so:\n${out}")
  endif()
endif()

if(MODE STREQUAL "shared")
  # The programs ran against the shared libraries, not static copies.
  file(GLOB library ${prefix}/lib/libfaultline.so.0)
  if(NOT library)
    message(FATAL_ERROR "no libfaultline.so.0 (SOVERSION 0) in ${prefix}/lib")
  endif()
  execute_process(COMMAND ${NM} -D --defined-only -C ${library} OUTPUT_VARIABLE exported
                  RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "nm -D ${library} failed")
  endif()
  # The API is exported; an internal of plugin/core (glob matching) and anything in an
  # anonymous namespace are not.
  if(NOT exported MATCHES "faultline::FaultInjector::AddRule")
    message(FATAL_ERROR "libfaultline.so does not export FaultInjector::AddRule:\n${exported}")
  endif()
  foreach(hidden "faultline::internal::GlobMatch" "faultline::\\(anonymous namespace\\)")
    if(exported MATCHES "${hidden}")
      message(FATAL_ERROR "libfaultline.so exports an internal symbol (${hidden}):\n${exported}")
    endif()
  endforeach()
endif()
