// RNN, GRU and LSTM against the scalar double reference (recurrent_test_util.cpp) across
// directions, layouts, optional inputs and outputs, activations and options; error cases.
// Tolerance: 2e-5 absolute + 2e-5 relative (fp32 sums of a few dozen terms, states in [-1, 1]
// for the default activations).
#include <gtest/gtest.h>

#include <cmath>

#include "recurrent_test_util.h"

namespace coreinfer::rectest {
namespace {

const char* op_name(Kind k) { return k == Kind::kRnn ? "RNN" : k == Kind::kGru ? "GRU" : "LSTM"; }

bool uses_alpha(const std::string& n) {
  return n == "Affine" || n == "LeakyRelu" || n == "ThresholdedRelu" || n == "ScaledTanh" || n == "HardSigmoid" ||
         n == "Elu";
}
bool uses_beta(const std::string& n) { return n == "Affine" || n == "ScaledTanh" || n == "HardSigmoid"; }

OpCall make_call(const RefCase& c, const RefInputs& in) {
  OpCall call;
  call.op = op_name(c.kind);
  call.attrs.set_int("hidden_size", c.hidden);
  call.attrs.set_string("direction", c.direction);
  if (c.layout) call.attrs.set_int("layout", c.layout);
  if (c.clip > 0) call.attrs.set_float("clip", c.clip);
  if (c.linear_before_reset) call.attrs.set_int("linear_before_reset", 1);
  if (c.input_forget) call.attrs.set_int("input_forget", 1);
  if (!c.acts.empty()) {
    Attribute names;
    names.kind = Attribute::Kind::kStrings;
    std::vector<float> alphas, betas;
    for (const RefAct& a : c.acts) {
      names.strings.push_back(a.name);
      if (uses_alpha(a.name)) alphas.push_back(static_cast<float>(a.alpha));
      if (uses_beta(a.name)) betas.push_back(static_cast<float>(a.beta));
    }
    call.attrs.set("activations", names);
    if (!alphas.empty()) call.attrs.set_floats("activation_alpha", alphas);
    if (!betas.empty()) call.attrs.set_floats("activation_beta", betas);
  }
  call.inputs = {in.x, in.w, in.r, in.b, in.seq_lens, in.h0};
  call.outputs = {"Y", "Y_h"};
  if (c.kind == Kind::kLstm) {
    call.inputs.push_back(in.c0);
    call.inputs.push_back(in.p);
    call.outputs.push_back("Y_c");
  }
  return call;
}

void expect_close(const Tensor& t, const Shape& shape, const std::vector<double>& want, const std::string& what) {
  ASSERT_EQ(t.type(), ElemType::kFloat) << what;
  ASSERT_EQ(t.shape(), shape) << what;
  for (int64_t i = 0; i < t.numel(); ++i)
    ASSERT_NEAR(t.data<float>()[i], want[i], 2e-5 + 2e-5 * std::fabs(want[i])) << what << " element " << i;
}

void check_case(const RefCase& c, uint32_t seed, bool threaded = false) {
  std::mt19937 rng(seed);
  const RefInputs in = make_inputs(c, rng);
  OpCall call = make_call(c, in);
  call.threaded = threaded;
  auto out = run_op(call);
  const std::string what = std::string(op_name(c.kind)) + " " + c.direction + " layout " + std::to_string(c.layout) +
                           " seed " + std::to_string(seed);
  ASSERT_TRUE(out.is_ok()) << what << ": " << out.status().to_string();
  const RefOutputs ref = reference(c, in);
  expect_close((*out)[0], ref.y_shape, ref.y, what + " Y");
  expect_close((*out)[1], ref.state_shape, ref.yh, what + " Y_h");
  if (c.kind == Kind::kLstm) expect_close((*out)[2], ref.state_shape, ref.yc, what + " Y_c");
}

// Every combination of direction, layout and optional inputs for one op kind.
void sweep(Kind kind) {
  uint32_t seed = 10;
  for (const char* dir : {"forward", "reverse", "bidirectional"})
    for (int64_t layout : {0, 1})
      for (int variant = 0; variant < 3; ++variant) {
        RefCase c;
        c.kind = kind;
        c.seq = 4 + variant;
        c.batch = 3;
        c.input = 5;
        c.hidden = 3 + variant * 2;  // 3, 5, 7
        c.direction = dir;
        c.layout = layout;
        c.with_b = variant != 0;
        c.with_h0 = variant == 2;
        c.with_c0 = variant == 2 && kind == Kind::kLstm;
        c.with_p = variant >= 1 && kind == Kind::kLstm;
        if (variant == 1) c.seq_lens = {5, 2, 0};
        check_case(c, seed++, variant == 2);
      }
}

TEST(Rnn, MatchesReferenceAcrossDirectionsLayoutsAndOptionalInputs) { sweep(Kind::kRnn); }
TEST(Gru, MatchesReferenceAcrossDirectionsLayoutsAndOptionalInputs) { sweep(Kind::kGru); }
TEST(Lstm, MatchesReferenceAcrossDirectionsLayoutsAndOptionalInputs) { sweep(Kind::kLstm); }

// Big enough that the input projection and the recurrent products split across the pool.
TEST(Recurrent, LargerSizesOnThreadsMatchReference) {
  uint32_t seed = 200;
  for (Kind kind : {Kind::kRnn, Kind::kGru, Kind::kLstm}) {
    RefCase c;
    c.kind = kind;
    c.seq = 6, c.batch = 4, c.input = 32, c.hidden = 64;
    c.direction = "bidirectional";
    c.with_b = c.with_h0 = true;
    c.seq_lens = {6, 3, 1, 5};
    check_case(c, seed++, true);
  }
}

TEST(Gru, LinearBeforeResetMatchesReference) {
  for (const char* dir : {"forward", "bidirectional"}) {
    RefCase c;
    c.kind = Kind::kGru;
    c.seq = 5, c.batch = 2, c.input = 3, c.hidden = 4;
    c.direction = dir;
    c.with_b = c.with_h0 = true;
    c.linear_before_reset = true;
    check_case(c, 77);
  }
}

TEST(Lstm, InputForgetAndClipMatchReference) {
  RefCase c;
  c.kind = Kind::kLstm;
  c.seq = 6, c.batch = 2, c.input = 4, c.hidden = 3;
  c.with_b = c.with_h0 = c.with_c0 = c.with_p = true;
  c.input_forget = true;
  check_case(c, 5);
  c.input_forget = false;
  c.clip = 0.4f;  // small enough to bind on most gate inputs (|X| up to 2)
  check_case(c, 6);
  c.direction = "bidirectional";
  check_case(c, 7);
}

TEST(Rnn, EveryActivationWithItsParameters) {
  const std::vector<RefAct> acts = {{"Relu"},       {"Tanh"},           {"Sigmoid"},
                                    {"Affine", 0.7, -0.2}, {"LeakyRelu", 0.3}, {"ThresholdedRelu", 0.25},
                                    {"ScaledTanh", 1.5, 0.8}, {"HardSigmoid", 0.3, 0.4}, {"Elu", 0.9},
                                    {"Softsign"},   {"Softplus"}};
  uint32_t seed = 100;
  for (const RefAct& a : acts) {
    RefCase c;
    c.seq = 3, c.batch = 2, c.input = 3, c.hidden = 4;
    c.with_b = true;
    c.acts = {a};
    SCOPED_TRACE(a.name);
    check_case(c, seed++);
  }
}

// Alphas and betas are taken in order by the functions that use them, across directions.
TEST(Lstm, ActivationParametersAreConsumedInOrderAcrossDirections) {
  RefCase c;
  c.kind = Kind::kLstm;
  c.seq = 3, c.batch = 2, c.input = 2, c.hidden = 3;
  c.direction = "bidirectional";
  c.with_b = true;
  c.acts = {{"HardSigmoid", 0.25, 0.45}, {"Tanh"},         {"ScaledTanh", 1.2, 0.6},
            {"Sigmoid"},                 {"LeakyRelu", 0.2}, {"Affine", 0.5, 0.1}};
  check_case(c, 3);
}

TEST(Gru, OneDirectionsActivationsServeBothDirections) {
  RefCase c;
  c.kind = Kind::kGru;
  c.seq = 3, c.batch = 1, c.input = 2, c.hidden = 2;
  c.direction = "bidirectional";
  std::mt19937 rng(9);
  const RefInputs in = make_inputs(c, rng);
  OpCall call = make_call(c, in);
  Attribute names;
  names.kind = Attribute::Kind::kStrings;
  names.strings = {"sigmoid", "tanh"};  // names are case-insensitive
  call.attrs.set("activations", names);
  auto out = run_op(call);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  const RefOutputs ref = reference(c, in);
  expect_close((*out)[0], ref.y_shape, ref.y, "Y");
}

TEST(Rnn, HandComputedStep) {
  OpCall call;
  call.op = "RNN";
  call.attrs.set_int("hidden_size", 1);
  Attribute names;
  names.kind = Attribute::Kind::kStrings;
  names.strings = {"Relu"};
  call.attrs.set("activations", names);
  call.inputs = {Tensor::from_vector<float>({2, 1, 1}, {1.0f, -1.0f}), Tensor::from_vector<float>({1, 1, 1}, {0.5f}),
                 Tensor::from_vector<float>({1, 1, 1}, {2.0f}), Tensor::from_vector<float>({1, 2}, {0.1f, 0.2f}),
                 Tensor(), Tensor::from_vector<float>({1, 1, 1}, {1.0f})};
  call.outputs = {"Y", "Y_h"};
  auto out = run_op(call);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  // h1 = relu(0.5*1 + 2*1 + 0.3) = 2.8; h2 = relu(-0.5 + 5.6 + 0.3) = 5.4
  EXPECT_NEAR((*out)[0].data<float>()[0], 2.8f, 1e-6);
  EXPECT_NEAR((*out)[0].data<float>()[1], 5.4f, 1e-6);
  EXPECT_NEAR((*out)[1].data<float>()[0], 5.4f, 1e-6);
}

TEST(Lstm, UnusedOutputsStayEmptyAndTheOthersMatch) {
  RefCase c;
  c.kind = Kind::kLstm;
  c.seq = 4, c.batch = 2, c.input = 3, c.hidden = 2;
  c.with_b = true;
  std::mt19937 rng(21);
  const RefInputs in = make_inputs(c, rng);
  OpCall call = make_call(c, in);
  call.outputs = {"", "Y_h", ""};
  auto out = run_op(call);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_FALSE((*out)[0].defined());
  EXPECT_FALSE((*out)[2].defined());
  const RefOutputs ref = reference(c, in);
  expect_close((*out)[1], ref.state_shape, ref.yh, "Y_h");
  // Trailing absent inputs and outputs may also be left off the node entirely.
  call.inputs.resize(3);
  call.outputs = {"Y"};
  c.with_b = false;
  RefInputs no_b = in;
  no_b.b = Tensor();
  out = run_op(call);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  const RefOutputs ref2 = reference(c, no_b);
  expect_close((*out)[0], ref2.y_shape, ref2.y, "Y without B");
}

Status run_error(RefCase c, const std::function<void(OpCall&)>& spoil) {
  std::mt19937 rng(1);
  const RefInputs in = make_inputs(c, rng);
  OpCall call = make_call(c, in);
  spoil(call);
  auto out = run_op(call);
  return out.is_ok() ? Status::ok() : out.status();
}

void expect_error(Kind kind, const std::function<void(OpCall&)>& spoil, const std::string& needle) {
  RefCase c;
  c.kind = kind;
  c.seq = 3, c.batch = 2, c.input = 3, c.hidden = 2;
  c.with_b = true;
  const Status st = run_error(c, spoil);
  ASSERT_FALSE(st.is_ok()) << "expected an error mentioning '" << needle << "'";
  EXPECT_NE(st.message().find(needle), std::string::npos) << st.message();
}

TEST(Recurrent, RejectsBadAttributesAndInputs) {
  expect_error(Kind::kRnn, [](OpCall& c) { c.attrs.set_string("direction", "sideways"); }, "direction");
  expect_error(Kind::kGru, [](OpCall& c) { c.attrs.set_int("hidden_size", 3); }, "hidden_size");
  expect_error(Kind::kLstm, [](OpCall& c) { c.attrs.set_int("layout", 2); }, "layout");
  expect_error(Kind::kLstm, [](OpCall& c) { c.attrs.set_float("clip", -1.0f); }, "clip");
  expect_error(Kind::kRnn, [](OpCall& c) {
    Attribute a;
    a.kind = Attribute::Kind::kStrings;
    a.strings = {"Gelu"};
    c.attrs.set("activations", a);
  }, "Gelu");
  expect_error(Kind::kGru, [](OpCall& c) {
    Attribute a;
    a.kind = Attribute::Kind::kStrings;
    a.strings = {"Sigmoid", "Tanh", "Tanh"};
    c.attrs.set("activations", a);
  }, "activations");
  expect_error(Kind::kRnn, [](OpCall& c) { c.inputs[1] = Tensor::from_vector<float>({1, 2, 4}, std::vector<float>(8)); }, "W");
  expect_error(Kind::kGru, [](OpCall& c) { c.inputs[2] = Tensor::from_vector<float>({1, 6, 3}, std::vector<float>(18)); }, "R");
  expect_error(Kind::kLstm, [](OpCall& c) { c.inputs[3] = Tensor::from_vector<float>({1, 8}, std::vector<float>(8)); }, "B");
  expect_error(Kind::kRnn, [](OpCall& c) { c.inputs[4] = Tensor::from_vector<int32_t>({2}, {1, 4}); }, "sequence_lens");
  expect_error(Kind::kRnn, [](OpCall& c) { c.inputs[4] = Tensor::from_vector<int32_t>({3}, {1, 1, 1}); }, "sequence_lens");
  expect_error(Kind::kRnn, [](OpCall& c) { c.inputs[5] = Tensor::from_vector<float>({1, 3, 2}, std::vector<float>(6)); }, "initial_h");
  expect_error(Kind::kLstm, [](OpCall& c) { c.inputs[7] = Tensor::from_vector<float>({1, 4}, std::vector<float>(4)); }, "P");
  expect_error(Kind::kRnn, [](OpCall& c) { c.inputs[0] = Tensor::from_vector<float>({3, 2}, std::vector<float>(6)); }, "rank 3");
  expect_error(Kind::kRnn, [](OpCall& c) { c.inputs[0] = Tensor::from_vector<double>({3, 2, 3}, std::vector<double>(18)); }, "float32");
  expect_error(Kind::kRnn, [](OpCall& c) { c.outputs = {"Y", "Y_h", "Y_c"}; }, "outputs");
}

}  // namespace
}  // namespace coreinfer::rectest
