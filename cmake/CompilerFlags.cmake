# Warnings, sanitizers, and per-file ISA flags. One binary for every CPU of an architecture:
# only the files named *_avx2.cpp, *_avx512.cpp, ... get the ISA flags, and the dispatcher
# chooses among them at run time.
add_compile_options(-Wall -Wextra -Wno-unused-parameter)
if(COREINFER_SANITIZE)
  # -O1 is what the sanitizers recommend, and the heavily templated operator files compile
  # twice as fast as at -O3 (CI time budget).
  add_compile_options(-O1)
elseif(NOT CMAKE_BUILD_TYPE STREQUAL "Debug")
  add_compile_options(-O3)
endif()

if(COREINFER_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
  add_compile_definitions(COREINFER_SANITIZE=1)
endif()

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(COREINFER_ARCH_X86 ON)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(COREINFER_ARCH_ARM64 ON)
endif()

set(COREINFER_FLAGS_avx2 "-mavx2;-mfma;-mf16c;-mbmi2")
# GCC 12 warns about its own _mm512_undefined_* inside avx512fintrin.h: a known false positive.
set(COREINFER_FLAGS_avx512 "-mavx2;-mfma;-mf16c;-mbmi2;-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-Wno-uninitialized;-Wno-maybe-uninitialized")
set(COREINFER_FLAGS_avx512vnni "${COREINFER_FLAGS_avx512};-mavx512vnni;-mavx512bf16")
set(COREINFER_FLAGS_neon "-march=armv8-a")
set(COREINFER_FLAGS_dotprod "-march=armv8.2-a+dotprod+fp16")
set(COREINFER_FLAGS_i8mm "-march=armv8.6-a+dotprod+fp16+i8mm+bf16")
set(COREINFER_FLAGS_sve "-march=armv8.6-a+sve+dotprod+fp16+i8mm+bf16")

# Gives each source whose name ends in _<isa>.cpp the flags of that ISA.
function(coreinfer_apply_isa_flags)
  foreach(src IN LISTS ARGN)
    foreach(isa avx512vnni avx512 avx2 neon dotprod i8mm sve)
      if(src MATCHES "_${isa}\\.cpp$")
        set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "${COREINFER_FLAGS_${isa}}")
        break()
      endif()
    endforeach()
  endforeach()
endfunction()
