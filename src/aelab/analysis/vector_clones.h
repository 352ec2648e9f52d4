#pragma once
// AELAB_VECTOR_CLONES on a hot function compiles it twice, for baseline x86-64 and for AVX2+FMA
// (Haswell and later), and picks the version once at load time from what the CPU supports: the
// build keeps targeting baseline x86-64, so the binaries still run everywhere. Put it on plain
// (non-template, internal) functions in a .cpp, and let AELAB_ALWAYS_INLINE templates do the work
// so that each clone gets its own compiled copy of them.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define AELAB_VECTOR_CLONES __attribute__((target_clones("arch=haswell", "default")))
#else
#define AELAB_VECTOR_CLONES
#endif

#if defined(__GNUC__)
#define AELAB_ALWAYS_INLINE __attribute__((always_inline))
#else
#define AELAB_ALWAYS_INLINE
#endif
