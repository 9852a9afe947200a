# The README's commands. Each target sets up what it needs first.
JOBS ?= $(shell nproc)
BUILD := build/release

.PHONY: setup build run test test-release test-asan bench clean

setup:
	@bash scripts/setup.sh

build: setup
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

run: build
	$(BUILD)/coreinfer run -m assets/models/stories260K.gguf -p "Once upon a time" -n 128 --temp 0

test: test-release

test-release: build
	@ctest --preset release -j $(JOBS)

test-asan: setup
	@cmake --preset asan-ubsan >/dev/null
	@cmake --build --preset asan-ubsan -j $(JOBS)
	@ctest --preset asan-ubsan -j $(JOBS)

bench: build
	$(BUILD)/coreinfer bench -m assets/models/stories260K.gguf

clean:
	rm -rf build
