#!/usr/bin/python3
"""Writes ONNX models of standard architectures with random weights (fixed seed) for benchmarks.

Each model goes to OUT/<name>/model.onnx with one input set in OUT/<name>/test_data_set_0/
input_K.pb (TensorProto, valid ids), the layout of the ONNX backend tests. Graphs are laid out
the way a PyTorch export writes them (Conv + BatchNormalization, Gemm with transB=1, Clip with
min/max inputs, Erf GELU, ...), fp32, with a dynamic batch dimension named "batch".

Needs only Debian's python3-onnx (1.12) and numpy:
    /usr/bin/python3 bench/onnx/make_models.py [-o build/bench-models/onnx] [--only resnet50,dlrm]
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


class GraphBuilder:
    """Collects nodes and initializers; names every value uniquely."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes = []
        self.initializers = []
        self.counter = 0

    def name(self, prefix):
        self.counter += 1
        return f"{prefix}_{self.counter}"

    def const(self, array, prefix="const"):
        n = self.name(prefix)
        self.initializers.append(numpy_helper.from_array(np.asarray(array), n))
        return n

    def op(self, op_type, inputs, outputs=1, **attrs):
        outs = [self.name(op_type.lower()) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=self.name(op_type), **attrs))
        return outs[0] if outputs == 1 else outs

    def model(self, graph_name, inputs, outputs, opset):
        graph = helper.make_graph(self.nodes, graph_name, inputs, outputs, self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                                  producer_name="coreinfer-bench")
        model.ir_version = 8
        return model

    def rename_last_output(self, value, graph_output):
        assert self.nodes[-1].output[0] == value, "the graph output must be the last node's output"
        self.nodes[-1].output[0] = graph_output

    # Layers as PyTorch exports them.

    def conv_bn(self, x, cin, cout, k, stride=1, group=1, gamma_scale=1.0):
        fan_in = cin // group * k * k
        w = (self.rng.standard_normal((cout, cin // group, k, k)) * np.sqrt(2.0 / fan_in)).astype(np.float32)
        pad = k // 2
        y = self.op("Conv", [x, self.const(w, "conv_w")], kernel_shape=[k, k], strides=[stride, stride],
                    pads=[pad, pad, pad, pad], group=group, dilations=[1, 1])
        # Near-identity statistics (Kaiming weights keep the scale): larger random shifts would
        # drown the input's signal after a few layers and make every sample's output the same.
        gamma = (gamma_scale * (1.0 + 0.1 * self.rng.standard_normal(cout))).astype(np.float32)
        beta = (0.01 * self.rng.standard_normal(cout)).astype(np.float32)
        mean = (0.01 * self.rng.standard_normal(cout)).astype(np.float32)
        var = (0.9 + 0.2 * self.rng.random(cout)).astype(np.float32)
        return self.op("BatchNormalization", [y, self.const(gamma, "bn_scale"), self.const(beta, "bn_b"),
                                              self.const(mean, "bn_mean"), self.const(var, "bn_var")],
                       epsilon=1e-5, momentum=0.9)

    def linear(self, x, fin, fout, dlrm_init=False):
        """nn.Linear on a 2-D input: Gemm(x, W[out,in], b, transB=1). PyTorch's default init, or
        DLRM's (normal, std sqrt(2/(in+out)) and bias std sqrt(1/out))."""
        if dlrm_init:
            w = (self.rng.standard_normal((fout, fin)) * np.sqrt(2.0 / (fin + fout))).astype(np.float32)
            b = (self.rng.standard_normal(fout) * np.sqrt(1.0 / fout)).astype(np.float32)
        else:
            bound = 1.0 / np.sqrt(fin)
            w = self.rng.uniform(-bound, bound, (fout, fin)).astype(np.float32)
            b = self.rng.uniform(-bound, bound, fout).astype(np.float32)
        return self.op("Gemm", [x, self.const(w, "fc_w"), self.const(b, "fc_b")], alpha=1.0, beta=1.0, transB=1)

    def matmul_add(self, x, fin, fout, std=0.02):
        """nn.Linear on a 3-D input: MatMul(x, W^T[in,out]) + b."""
        w = (self.rng.standard_normal((fin, fout)) * std).astype(np.float32)
        b = (self.rng.standard_normal(fout) * std).astype(np.float32)
        return self.op("Add", [self.op("MatMul", [x, self.const(w, "matmul_w")]), self.const(b, "matmul_b")])


def image_batch(rng, batch):
    """Images with structure (smooth blobs of random colour and contrast, plus a little noise):
    i.i.d. noise averages out in the global pooling of a random-weight network, making every
    sample's output the same."""
    coarse = rng.standard_normal((batch, 3, 7, 7)) * rng.uniform(0.5, 2.0, (batch, 1, 1, 1))
    smooth = np.kron(coarse, np.ones((1, 1, 32, 32)))
    return (smooth + 0.1 * rng.standard_normal((batch, 3, 224, 224))).astype(np.float32)


def float_input(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def int64_input(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.INT64, shape)


# ---------------------------------------------------------------- ResNet-50 v1.5

def resnet50(seed):
    g = GraphBuilder(seed)
    x = g.op("Relu", [g.conv_bn("input", 3, 64, 7, stride=2)])
    x = g.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    cin = 64
    for width, blocks, first_stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
        for b in range(blocks):
            stride = first_stride if b == 0 else 1
            cout = width * 4
            y = g.op("Relu", [g.conv_bn(x, cin, width, 1)])
            y = g.op("Relu", [g.conv_bn(y, width, width, 3, stride=stride)])  # v1.5: stride on the 3x3
            y = g.conv_bn(y, width, cout, 1, gamma_scale=0.2)
            shortcut = g.conv_bn(x, cin, cout, 1, stride=stride) if (stride != 1 or cin != cout) else x
            x = g.op("Relu", [g.op("Add", [y, shortcut])])
            cin = cout
    x = g.op("Flatten", [g.op("GlobalAveragePool", [x])], axis=1)
    logits = g.linear(x, 2048, 1000)
    g.rename_last_output(logits, "output")
    model = g.model("resnet50_v1.5", [float_input("input", ["batch", 3, 224, 224])],
                    [float_input("output", ["batch", 1000])], opset=13)
    rng = np.random.default_rng(seed + 1)
    inputs = {"input": image_batch(rng, 32)}
    return model, inputs


# ---------------------------------------------------------------- MobileNetV2 1.0 224

def mobilenetv2(seed):
    g = GraphBuilder(seed)
    zero, six = g.const(np.array(0.0, np.float32), "clip_min"), g.const(np.array(6.0, np.float32), "clip_max")

    def relu6(v):
        return g.op("Clip", [v, zero, six])

    x = relu6(g.conv_bn("input", 3, 32, 3, stride=2))
    cin = 32
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                       (6, 320, 1, 1)]:
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = cin * t
            y = relu6(g.conv_bn(x, cin, hidden, 1)) if t != 1 else x
            y = relu6(g.conv_bn(y, hidden, hidden, 3, stride=stride, group=hidden))  # depthwise
            residual = stride == 1 and cin == c
            y = g.conv_bn(y, hidden, c, 1, gamma_scale=0.5 if residual else 1.0)  # linear bottleneck
            x = g.op("Add", [x, y]) if residual else y
            cin = c
    x = relu6(g.conv_bn(x, cin, 1280, 1))
    x = g.op("Flatten", [g.op("GlobalAveragePool", [x])], axis=1)
    logits = g.linear(x, 1280, 1000)
    g.rename_last_output(logits, "output")
    model = g.model("mobilenetv2_1.0_224", [float_input("input", ["batch", 3, 224, 224])],
                    [float_input("output", ["batch", 1000])], opset=13)
    rng = np.random.default_rng(seed + 1)
    inputs = {"input": image_batch(rng, 8)}
    return model, inputs


# ---------------------------------------------------------------- DLRM (MLPerf Criteo-like)

DLRM_TABLES, DLRM_ROWS, DLRM_DIM, DLRM_DENSE, DLRM_BAGS = 26, 100_000, 64, 13, 20


def dlrm_mlp(g, x, sizes, last_sigmoid):
    for i in range(len(sizes) - 1):
        x = g.linear(x, sizes[i], sizes[i + 1], dlrm_init=True)
        x = g.op("Sigmoid" if (last_sigmoid and i == len(sizes) - 2) else "Relu", [x])
    return x


def dlrm_graph(g, embeddings):
    """Bottom MLP on 'dense', dot interaction with the 26 [B,64] embeddings, top MLP -> 'output'."""
    bottom = dlrm_mlp(g, "dense", [DLRM_DENSE, 512, 256, DLRM_DIM], last_sigmoid=False)
    n = DLRM_TABLES + 1
    t = g.op("Concat", [bottom] + embeddings, axis=1)  # [B, 27*64]
    t = g.op("Reshape", [t, g.const(np.array([-1, n, DLRM_DIM], np.int64), "shape")])
    z = g.op("MatMul", [t, g.op("Transpose", [t], perm=[0, 2, 1])])  # [B,27,27]
    z = g.op("Reshape", [z, g.const(np.array([-1, n * n], np.int64), "shape")])
    lower = np.array([i * n + j for i in range(n) for j in range(i)], np.int64)  # strict lower triangle
    z = g.op("Gather", [z, g.const(lower, "tril_idx")], axis=1)  # [B, 351]
    r = g.op("Concat", [bottom, z], axis=1)  # [B, 415]
    out = dlrm_mlp(g, r, [DLRM_DIM + len(lower), 512, 256, 1], last_sigmoid=True)
    g.rename_last_output(out, "output")


def embedding_tables(g):
    return [g.const((g.rng.standard_normal((DLRM_ROWS, DLRM_DIM), dtype=np.float32) * 0.1), f"emb_{k}")
            for k in range(DLRM_TABLES)]


def dlrm(seed):
    g = GraphBuilder(seed)
    tables = embedding_tables(g)
    embeddings = []
    for k, table in enumerate(tables):
        ids = g.op("Gather", ["sparse", g.const(np.array(k, np.int64), "col")], axis=1)  # sparse[:, k]
        embeddings.append(g.op("Gather", [table, ids], axis=0))  # [B,64]
    dlrm_graph(g, embeddings)
    model = g.model("dlrm", [float_input("dense", ["batch", DLRM_DENSE]), int64_input("sparse", ["batch", DLRM_TABLES])],
                    [float_input("output", ["batch", 1])], opset=13)
    rng = np.random.default_rng(seed + 1)
    inputs = {"dense": np.log1p(rng.exponential(3.0, (2048, DLRM_DENSE))).astype(np.float32),
              "sparse": rng.integers(0, DLRM_ROWS, (2048, DLRM_TABLES), dtype=np.int64)}
    return model, inputs


def dlrm_multihot(seed):
    g = GraphBuilder(seed)
    tables = embedding_tables(g)
    axis1 = g.const(np.array([1], np.int64), "axes")
    embeddings = []
    for k, table in enumerate(tables):
        ids = g.op("Gather", ["sparse", g.const(np.array(k, np.int64), "col")], axis=1)  # [B,20]
        rows = g.op("Gather", [table, ids], axis=0)  # [B,20,64]
        embeddings.append(g.op("ReduceSum", [rows, axis1], keepdims=0))  # EmbeddingBag(mode="sum")
    dlrm_graph(g, embeddings)
    model = g.model("dlrm_multihot",
                    [float_input("dense", ["batch", DLRM_DENSE]), int64_input("sparse", ["batch", DLRM_TABLES, DLRM_BAGS])],
                    [float_input("output", ["batch", 1])], opset=13)
    rng = np.random.default_rng(seed + 1)
    inputs = {"dense": np.log1p(rng.exponential(3.0, (2048, DLRM_DENSE))).astype(np.float32),
              "sparse": rng.integers(0, DLRM_ROWS, (2048, DLRM_TABLES, DLRM_BAGS), dtype=np.int64)}
    return model, inputs


# ---------------------------------------------------------------- MiniLM-L6 (BERT encoder)

def minilm_l6(seed, layers=6, hidden=384, heads=12, ffn=1536, vocab=30522, seq=128):
    g = GraphBuilder(seed)
    head_dim = hidden // heads

    def layer_norm(v):
        return g.op("LayerNormalization", [v, g.const(np.ones(hidden, np.float32), "ln_scale"),
                                           g.const(np.zeros(hidden, np.float32), "ln_bias")], axis=-1, epsilon=1e-12)

    def emb(rows):
        return g.const((g.rng.standard_normal((rows, hidden)) * 0.02).astype(np.float32), "emb")

    words = g.op("Gather", [emb(vocab), "input_ids"], axis=0)
    positions = g.op("Gather", [emb(512), g.const(np.arange(seq, dtype=np.int64)[None, :], "position_ids")], axis=0)
    types = g.op("Gather", [emb(2), "token_type_ids"], axis=0)
    x = layer_norm(g.op("Add", [g.op("Add", [words, types]), positions]))

    # (1 - mask) * -10000 as [B,1,1,S], added to the attention scores.
    mask = g.op("Cast", [g.op("Unsqueeze", ["attention_mask", g.const(np.array([1, 2], np.int64), "axes")])],
                to=TensorProto.FLOAT)
    mask = g.op("Mul", [g.op("Sub", [g.const(np.array(1.0, np.float32), "one"), mask]),
                        g.const(np.array(-10000.0, np.float32), "neg")])
    split_heads = g.const(np.array([0, 0, heads, head_dim], np.int64), "shape")
    merge_heads = g.const(np.array([0, 0, hidden], np.int64), "shape")
    scale = g.const(np.array(np.sqrt(head_dim), np.float32), "sqrt_d")
    for _ in range(layers):
        q = g.op("Transpose", [g.op("Reshape", [g.matmul_add(x, hidden, hidden), split_heads])], perm=[0, 2, 1, 3])
        k = g.op("Transpose", [g.op("Reshape", [g.matmul_add(x, hidden, hidden), split_heads])], perm=[0, 2, 3, 1])
        v = g.op("Transpose", [g.op("Reshape", [g.matmul_add(x, hidden, hidden), split_heads])], perm=[0, 2, 1, 3])
        scores = g.op("Add", [g.op("Div", [g.op("MatMul", [q, k]), scale]), mask])
        ctx = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
        ctx = g.op("Reshape", [g.op("Transpose", [ctx], perm=[0, 2, 1, 3]), merge_heads])
        x = layer_norm(g.op("Add", [g.matmul_add(ctx, hidden, hidden), x]))
        h = g.matmul_add(x, hidden, ffn)
        erf = g.op("Erf", [g.op("Div", [h, g.const(np.array(np.sqrt(2.0), np.float32), "sqrt2")])])
        h = g.op("Mul", [g.op("Mul", [h, g.op("Add", [erf, g.const(np.array(1.0, np.float32), "one")])]),
                         g.const(np.array(0.5, np.float32), "half")])
        x = layer_norm(g.op("Add", [g.matmul_add(h, ffn, hidden), x]))
    g.rename_last_output(x, "last_hidden_state")
    model = g.model("minilm_l6", [int64_input(n, ["batch", seq]) for n in ("input_ids", "attention_mask", "token_type_ids")],
                    [float_input("last_hidden_state", ["batch", seq, hidden])], opset=17)

    # Sentences of random lengths: [CLS] words [SEP] then padding (id 0, mask 0); the first is full.
    rng = np.random.default_rng(seed + 1)
    batch = 8
    ids = np.zeros((batch, seq), np.int64)
    attention = np.zeros((batch, seq), np.int64)
    token_types = np.zeros((batch, seq), np.int64)
    for b in range(batch):
        length = seq if b == 0 else int(rng.integers(8, seq + 1))
        ids[b, :length] = rng.integers(1000, vocab, length)
        ids[b, 0], ids[b, length - 1] = 101, 102
        attention[b, :length] = 1
        split = length // 2
        token_types[b, split:length] = 1
    return model, {"input_ids": ids, "attention_mask": attention, "token_type_ids": token_types}


MODELS = {"resnet50": resnet50, "mobilenetv2": mobilenetv2, "dlrm": dlrm, "dlrm_multihot": dlrm_multihot,
          "minilm_l6": minilm_l6}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-o", "--out", default="build/bench-models/onnx", help="output folder")
    ap.add_argument("--only", default="", help="comma-separated model names (default: all)")
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n] or list(MODELS)
    for name in names:
        if name not in MODELS:
            sys.exit(f"unknown model '{name}'; known: {', '.join(MODELS)}")
        model, inputs = MODELS[name](args.seed)
        onnx.checker.check_model(model)
        folder = os.path.join(args.out, name)
        data = os.path.join(folder, "test_data_set_0")
        os.makedirs(data, exist_ok=True)
        onnx.save(model, os.path.join(folder, "model.onnx"))
        for k, vi in enumerate(model.graph.input):
            with open(os.path.join(data, f"input_{k}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(inputs[vi.name], vi.name).SerializeToString())
        size = os.path.getsize(os.path.join(folder, "model.onnx")) / 2**20
        shapes = ", ".join(f"{vi.name}{list(inputs[vi.name].shape)}" for vi in model.graph.input)
        print(f"{name}: {folder}/model.onnx ({size:.0f} MiB, {len(model.graph.node)} nodes); inputs {shapes}")


if __name__ == "__main__":
    main()
