# Cross build for aarch64 Linux with Debian's cross compiler (g++-aarch64-linux-gnu); tests run
# under qemu-user (package qemu-user). QEMU_CPU in the environment selects the emulated CPU
# (e.g. neoverse-n1, "max,sve=off", "max,sve256=on", cortex-a72); qemu reads it itself.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# The target's libraries and headers live in /usr/aarch64-linux-gnu. Never search the host's
# /usr/include or /usr/lib: they hold x86-64 libraries (the header-only ones we use are
# exposed through a directory of their own, see cmake/CrossDeps.cmake).
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# gtest_discover_tests and ctest run the test binaries through qemu.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
