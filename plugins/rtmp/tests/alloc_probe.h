// Watches the test binary's heap: the largest single allocation while armed, and allocations
// above a size made to fail (std::bad_alloc), so a test can show that memory follows what has
// arrived rather than what a header declares, and that running out ends one connection.
// Replaces the global operator new/delete: include it in exactly one file of a test binary.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace kek::rtmp::testing {

struct AllocProbe {
  static inline std::atomic<bool> armed{false};
  static inline std::atomic<std::size_t> largest{0};
  static inline std::atomic<std::size_t> fail_above{0};  // 0: never fail

  // RAII: records while alive.
  struct Scope {
    explicit Scope(std::size_t fail_above_bytes = 0) {
      largest = 0;
      fail_above = fail_above_bytes;
      armed = true;
    }
    ~Scope() {
      armed = false;
      fail_above = 0;
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
  };

  static void* allocate(std::size_t size) {
    if (armed.load(std::memory_order_relaxed)) {
      std::size_t seen = largest.load(std::memory_order_relaxed);
      while (size > seen && !largest.compare_exchange_weak(seen, size)) {
      }
      const std::size_t limit = fail_above.load(std::memory_order_relaxed);
      if (limit != 0 && size > limit) throw std::bad_alloc();
    }
    if (void* p = std::malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
  }
};

}  // namespace kek::rtmp::testing

void* operator new(std::size_t size) { return kek::rtmp::testing::AllocProbe::allocate(size); }
void* operator new[](std::size_t size) { return kek::rtmp::testing::AllocProbe::allocate(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
