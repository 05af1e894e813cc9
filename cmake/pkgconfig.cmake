# pkg-config files for projects that do not use CMake: faultline.pc (the core),
# faultline-gtest.pc, faultline-gtest-main.pc, faultline-catch2.pc and faultline-catch2-main.pc
# (one per adapter built). Each carries what linking its library needs: the libraries below it,
# the linker options of the harness, and the framework through its own .pc (gmock, catch2).
# The system libraries stay in Libs, not Libs.private: a static faultline needs them at every
# link, and pkg-config passes Libs.private only with --static.

# The prefix is found from the .pc file's own place, so an installed tree can move.
file(RELATIVE_PATH faultline_pc_up /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" faultline_pc_up "${faultline_pc_up}")
set(faultline_pc_libdir "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
set(faultline_pc_includedir "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(faultline_pc_libdir "${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(faultline_pc_includedir "${CMAKE_INSTALL_INCLUDEDIR}")
endif()
set(faultline_pc_dl "")
if(CMAKE_DL_LIBS)
  set(faultline_pc_dl "-l${CMAKE_DL_LIBS}")
endif()

# Writes <name>.pc: `description`, `requires`, `libs`.
function(faultline_pkg_config name description requires libs)
  file(CONFIGURE OUTPUT ${PROJECT_BINARY_DIR}/pkgconfig/${name}.pc CONTENT [[
prefix=${pcfiledir}/@faultline_pc_up@
libdir=@faultline_pc_libdir@
includedir=@faultline_pc_includedir@

Name: @name@
Description: @description@
Version: @PROJECT_VERSION@
Requires: @requires@
Libs: -L${libdir} @libs@
Cflags: -I${includedir}
]] @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/${name}.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endfunction()

faultline_pkg_config(faultline "faultline fault injection for C++ tests: the engine" ""
                     "-lfaultline -pthread")
# The harness comes with each adapter (users never ask for it): its pthread_create is exported
# from the executable, as faultline::gtest and faultline::catch2 do in CMake.
set(faultline_pc_harness
    "-lfaultline_harness ${faultline_pc_dl} -Wl,--export-dynamic-symbol=pthread_create")
# A shared harness must stay needed, as in CMake (see plugin/CMakeLists.txt).
if(BUILD_SHARED_LIBS)
  set(faultline_pc_harness "-Wl,--no-as-needed ${faultline_pc_harness}")
endif()
if("gtest" IN_LIST faultline_components)
  faultline_pkg_config(faultline-gtest "faultline for GoogleTest and GoogleMock" "faultline gmock"
                       "-lfaultline_gtest ${faultline_pc_harness}")
  faultline_pkg_config(faultline-gtest-main "faultline for GoogleTest, with faultline's main"
                       "faultline-gtest" "-lfaultline_gtest_main")
endif()
if("catch2" IN_LIST faultline_components)
  faultline_pkg_config(faultline-catch2 "faultline for Catch2" "faultline catch2"
                       "-lfaultline_catch2 ${faultline_pc_harness}")
  faultline_pkg_config(faultline-catch2-main "faultline for Catch2, with faultline's main"
                       "faultline-catch2" "-lfaultline_catch2_main")
endif()
