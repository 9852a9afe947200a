# The README's commands. Each target sets up what it needs first.
JOBS ?= $(shell nproc)
BUILD := build/release

.PHONY: setup build run story test test-release test-asan build-arm test-arm bench bench-onnx clean

setup:
	@bash scripts/setup.sh

build: setup
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

# The main job: serve the bundled model on 127.0.0.1:8080 (Ctrl-C stops it).
run: build
	$(BUILD)/coreinfer serve

story: build
	$(BUILD)/coreinfer run -m assets/models/stories260K.gguf -p "Once upon a time" -n 128 --temp 0

test: test-release

test-release: build
	@ctest --preset release -j $(JOBS)

test-asan: setup
	@cmake --preset asan-ubsan >/dev/null
	@cmake --build --preset asan-ubsan -j $(JOBS)
	@ctest --preset asan-ubsan -j $(JOBS)

# aarch64 Linux: cross-built with g++-aarch64-linux-gnu (binary build/aarch64/coreinfer), tests
# under qemu-user once per emulated CPU model (scripts/test-arm.sh). No HTTP server, no benchmarks.
build-arm: setup
	@cmake --preset aarch64 >/dev/null
	@cmake --build --preset aarch64 -j $(JOBS)

test-arm: build-arm
	@JOBS=$(JOBS) bash scripts/test-arm.sh

bench: build
	$(BUILD)/coreinfer bench -m assets/models/stories260K.gguf

# coreinfer against ONNX Runtime (npm onnxruntime-node 1.30) on generated ONNX models, 2 threads
# (bench/README.md). First use installs onnxruntime-node into build/ort-node and writes ~1.5 GB of
# models to build/bench-models/onnx.
bench-onnx: build
	bash bench/onnx/compare.sh

clean:
	rm -rf build
