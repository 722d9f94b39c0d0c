# Inference: common tasks. `make test` installs what it needs (chromium when missing, npm ci) before running every test.
SHELL := /bin/bash
DOTNET ?= dotnet
NPM_DIRS := tests/sdk-js tests/browser
# The chat playground (/) and API reference (/docs) the server serves; `make web` builds them into its dist/.
PLAYGROUND := src/Inference.Playground
# The browser test drives Debian's chromium; installed only when missing (sudo only when not root).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: build run web test test-deps lint proto bench bench-gpu clean

build: web
	$(DOTNET) build Inference.sln

# npm ci only when the lock file is newer than the last install (npm ci writes node_modules/.package-lock.json).
$(PLAYGROUND)/node_modules/.package-lock.json: $(PLAYGROUND)/package-lock.json
	cd $(PLAYGROUND) && npm ci --no-audit --no-fund

# Type-checks and bundles the playground and copies Swagger UI into $(PLAYGROUND)/dist; the server's build copies
# that folder beside its binary as web/.
web: $(PLAYGROUND)/node_modules/.package-lock.json
	cd $(PLAYGROUND) && npm run build

# Serves the embedded models: REST, gRPC-Web and health on 127.0.0.1:8080, gRPC (h2c) on 127.0.0.1:8081.
# Every call needs an API key: the key in INFERENCE_API_KEY when set, otherwise a development key printed at start.
# The playground is at http://127.0.0.1:8080/, the API reference at /docs. Override with e.g.
# `make run ARGS="--Inference:Http:Port=9090"`.
run: web
	$(DOTNET) run --project src/Inference.Server -- $(ARGS)

# chromium (browser test) and redis-server (shared rate limits) when missing, then npm ci in every npm folder (the SDK conformance tests and the
# proto tools, the browser tests) and the playground build (the browser tests drive it; the test page uses its packages).
test-deps: web
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

# Lints the contract and regenerates the TypeScript client ($(PLAYGROUND)/gen) with buf from npm.
# buf and protoc-gen-es come from tests/sdk-js's package.json; npx runs them from there, on the repository root.
proto: lint
	cd tests/sdk-js && npx buf generate ../.. --template ../../buf.gen.yaml --output ../..

# Every benchmark suite in one go (engine vs transformers.js, service overhead, rate limits, ...); writes
# tests/Inference.Benchmarks/RESULTS.md. Installs wrk and h2load (the HTTP and HTTP/2 load generators) and
# redis-server (the shared rate limits) when missing; transformers.js from npm.
bench:
	@missing=""; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	command -v h2load >/dev/null || missing="$$missing nghttp2-client"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
		echo "Installing$$missing for the overhead and limits suites"; \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing || exit 1; \
	fi
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
	rm -rf $(PLAYGROUND)/dist
	@echo "$(PLAYGROUND)/gen is committed; make proto regenerates it"
