# Inference: common tasks. `make test` installs what it needs (chromium when missing, npm ci) before running every test.
SHELL := /bin/bash
DOTNET ?= dotnet
NPM_DIRS := tests/sdk-js tests/browser
# The browser test drives Debian's chromium; installed only when missing (sudo only when not root).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: build run test test-deps lint proto bench bench-gpu clean

build:
	$(DOTNET) build Inference.sln

# Serves the embedded models: REST, gRPC-Web and health on 127.0.0.1:8080, gRPC (h2c) on 127.0.0.1:8081.
# Override with e.g. `make run ARGS="--Inference:Http:Port=9090"`.
run:
	$(DOTNET) run --project src/Inference.Server -- $(ARGS)

# chromium (browser test) and redis-server (shared rate limits) when missing, then npm ci in every npm folder (the SDK conformance tests and the
# proto tools, the browser test).
test-deps:
	@missing=""; \
	[ -x "$(CHROMIUM)" ] || missing="$$missing chromium"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
		echo "Installing$$missing for the browser and shared-rate-limit tests"; \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing || exit 1; \
	fi
	@for dir in $(NPM_DIRS); do (cd $$dir && npm ci --no-audit --no-fund) || exit 1; done

# The contract must stay lint-clean: buf lint runs before the tests.
lint: test-deps
	cd tests/sdk-js && npx buf lint ../..

test: test-deps lint
	$(DOTNET) test Inference.sln

# Lints the contract and regenerates the TypeScript client (tests/browser/gen) with buf from npm.
# buf and protoc-gen-es come from tests/sdk-js's package.json; npx runs them from there, on the repository root.
proto: lint
	cd tests/sdk-js && npx buf generate ../.. --template ../../buf.gen.yaml --output ../..

# Every benchmark suite in one go (engine vs transformers.js, service overhead, ...); writes
# tests/Inference.Benchmarks/RESULTS.md. Installs wrk (the HTTP load generator) when missing; transformers.js from npm.
bench:
	@command -v wrk >/dev/null || { echo "Installing wrk for the overhead suite"; \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y wrk || exit 1; }
	cd tests/Inference.Benchmarks/transformers-js && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
	$(DOTNET) build -c Release tests/Inference.Benchmarks
	$(DOTNET) run -c Release --no-build --project tests/Inference.Benchmarks --

# The ILGPU backend on an NVIDIA GPU: publishes a self-contained single-file benchmark (linux-x64; the GPU machine needs
# only the NVIDIA driver) to artifacts/bench-gpu and runs it; writes tests/Inference.Benchmarks.Gpu/RESULTS-GPU.md.
# Without a GPU it says so and fails. BENCH_GPU_ARGS="--accelerator ilgpu-cpu" smoke-tests the binary on the CPU.
bench-gpu:
	$(DOTNET) publish tests/Inference.Benchmarks.Gpu -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true -o artifacts/bench-gpu
	cd artifacts/bench-gpu && ./Inference.Benchmarks.Gpu --results $(CURDIR)/tests/Inference.Benchmarks.Gpu/RESULTS-GPU.md $(BENCH_GPU_ARGS)

clean:
	$(DOTNET) clean Inference.sln
	@echo "tests/browser/gen is committed; make proto regenerates it"
