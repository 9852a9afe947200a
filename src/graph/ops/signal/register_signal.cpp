#include "graph/ops/register.h"
#include "graph/ops/signal/signal_common.h"

namespace coreinfer {

void register_signal_ops(OpRegistry& r) {
  signal::register_dft(r);
  signal::register_windows(r);
  signal::register_tfidf(r);
}

}  // namespace coreinfer
