#include "core/aligned_buffer.h"

#include <sys/mman.h>

#include <new>

namespace coreinfer {

namespace {
constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kHugeFrom = size_t{4} << 20;  // smaller buffers are not worth rounding up
}  // namespace

void AlignedBuffer::resize(size_t bytes) {
  std::free(data_);
  data_ = nullptr;
  size_ = 0;
  if (bytes == 0) return;
  const size_t align = bytes >= kHugeFrom ? kHugePage : kSimdAlign;
  const size_t rounded = (bytes + align - 1) / align * align;
  data_ = std::aligned_alloc(align, rounded);
  if (data_ == nullptr) throw std::bad_alloc();
  // Advisory: the kernel may refuse (THP off), then these are ordinary pages.
  if (align == kHugePage) madvise(data_, rounded, MADV_HUGEPAGE);
  size_ = bytes;
}

}  // namespace coreinfer
