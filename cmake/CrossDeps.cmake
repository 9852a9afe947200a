# Dependencies of a cross build (aarch64 from an x86-64 Debian host). The host's packaged
# libraries are x86-64 only (no dpkg multiarch), so:
#  * GoogleTest is built from Debian's source tree /usr/src/googletest (package googletest);
#  * the header-only nlohmann-json and CLI11 come through a directory that holds only links to
#    their header folders: the host's /usr/include itself must never be on a cross include path.
# The HTTP server (cpp-httplib, yaml-cpp) and the benchmarks (Google Benchmark) are left out
# (COREINFER_BUILD_SERVER=OFF, COREINFER_BUILD_BENCH=OFF).
set(COREINFER_HOST_INCLUDE /usr/include CACHE PATH "where the host's header-only libraries live")
set(cross_include ${CMAKE_BINARY_DIR}/cross-include)
file(MAKE_DIRECTORY ${cross_include})
foreach(dir nlohmann CLI)
  if(NOT EXISTS ${COREINFER_HOST_INCLUDE}/${dir})
    message(FATAL_ERROR "${COREINFER_HOST_INCLUDE}/${dir} is missing (packages nlohmann-json3-dev, libcli11-dev)")
  endif()
  file(CREATE_LINK ${COREINFER_HOST_INCLUDE}/${dir} ${cross_include}/${dir} SYMBOLIC)
endforeach()

add_library(coreinfer_cross_headers INTERFACE)
target_include_directories(coreinfer_cross_headers SYSTEM INTERFACE ${cross_include})
add_library(nlohmann_json::nlohmann_json ALIAS coreinfer_cross_headers)
add_library(CLI11::CLI11 ALIAS coreinfer_cross_headers)

if(COREINFER_BUILD_TESTS)
  set(COREINFER_GTEST_SOURCE /usr/src/googletest CACHE PATH "GoogleTest source tree (Debian package googletest)")
  if(NOT EXISTS ${COREINFER_GTEST_SOURCE}/CMakeLists.txt)
    message(FATAL_ERROR "${COREINFER_GTEST_SOURCE} is missing (package googletest)")
  endif()
  set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
  set(BUILD_GMOCK ON CACHE BOOL "" FORCE)
  add_subdirectory(${COREINFER_GTEST_SOURCE} ${CMAKE_BINARY_DIR}/googletest EXCLUDE_FROM_ALL SYSTEM)
  # GCC 12 at -O3 warns about std::string inside gtest.cc (a known -Wrestrict false positive).
  foreach(t gtest gtest_main gmock gmock_main)
    if(TARGET ${t})
      target_compile_options(${t} PRIVATE -Wno-restrict)
    endif()
  endforeach()
  set(GTest_FOUND TRUE)
endif()
