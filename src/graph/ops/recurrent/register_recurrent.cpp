#include "graph/ops/recurrent/recurrent_ops.h"
#include "graph/ops/register.h"

namespace coreinfer {

void register_recurrent_ops(OpRegistry& r) {
  r.add("", "RNN", recurrent::make_rnn);
  r.add("", "GRU", recurrent::make_gru);
  r.add("", "LSTM", recurrent::make_lstm);
}

}  // namespace coreinfer
