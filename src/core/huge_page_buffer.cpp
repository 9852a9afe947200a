#include "core/huge_page_buffer.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace coreinfer {
namespace {
constexpr size_t kHugePage = size_t{2} << 20;
}

Result<HugePageBuffer> HugePageBuffer::allocate(size_t bytes) {
  HugePageBuffer b;
  if (bytes == 0) return b;
  // Over-allocate by one huge page so the start can be aligned to it.
  const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  const size_t mapped = rounded + kHugePage;
  void* p = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    return out_of_range("cannot reserve " + std::to_string(bytes >> 20) + " MiB: " + std::strerror(errno));
  }
  auto* base = static_cast<uint8_t*>(p);
  auto* aligned = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(base) + kHugePage - 1) & ~(kHugePage - 1));
  // Give back the unaligned head and the unused tail.
  if (aligned > base) munmap(base, static_cast<size_t>(aligned - base));
  const size_t tail = static_cast<size_t>((base + mapped) - (aligned + rounded));
  if (tail > 0) munmap(aligned + rounded, tail);
  madvise(aligned, rounded, MADV_HUGEPAGE);  // advisory: fine if the kernel says no
  b.data_ = aligned;
  b.size_ = bytes;
  b.mapped_ = rounded;
  return b;
}

HugePageBuffer::HugePageBuffer(HugePageBuffer&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)), mapped_(std::exchange(o.mapped_, 0)) {}

HugePageBuffer& HugePageBuffer::operator=(HugePageBuffer&& o) noexcept {
  if (this != &o) {
    if (data_ != nullptr) munmap(data_, mapped_);
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
    mapped_ = std::exchange(o.mapped_, 0);
  }
  return *this;
}

HugePageBuffer::~HugePageBuffer() {
  if (data_ != nullptr) munmap(data_, mapped_);
}

}  // namespace coreinfer
