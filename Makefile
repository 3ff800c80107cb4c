# The two commands a newcomer runs: `make run` and `make test`.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
DEB_PACKAGES := g++ cmake ninja-build make pkg-config libboost1.81-dev libboost-json1.81-dev \
  libboost-url1.81-dev libboost-test1.81-dev libssl-dev libsqlite3-dev libhiredis-dev openssl curl ca-certificates
TEST_PACKAGES := chromium redis-server redis-sentinel $(if $(shell command -v npm 2>/dev/null),,nodejs npm)

SANITIZE_DIR ?= build-sanitize
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= request_head chunked_body upstream_response config shared_session_record dxweb_answer \
  sixmm_requests webhook launch_page router proxy_header

.PHONY: deps test-deps build run run-ha test fuzz test-tsan test-sanitize check bench bench-scheduler bench-ha clean

# Installs only the missing packages of $(1); idempotent.
define install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
endef

deps:
	$(call install_missing,$(DEB_PACKAGES))

# What only the tests need: Chromium for the browser test (and Node.js if absent).
test-deps:
	$(call install_missing,$(TEST_PACKAGES))

build: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	conf/run-sandbox.sh $(BUILD_DIR)

run-ha: build
	$(call install_missing,redis-server)
	conf/run-sandbox.sh $(BUILD_DIR) ha

test: test-deps build
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 600 -j 2

# The unit and integration suites built with AddressSanitizer and UBSan (-O1, line tables
# only, a build folder of its own). Left to `make test`: the browser tests, and
# integration.workers, which measures how evenly connections opened back to back spread
# and cannot hold its one-connection margin at the sanitizers' speed.
test-sanitize: deps test-deps
	cmake -S . -B $(SANITIZE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DTG_SANITIZE=ON
	cmake --build $(SANITIZE_DIR) -j $(JOBS)
	cd $(SANITIZE_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure --timeout 900 -j 2 -E '^(browser\..*|integration\.workers)$$'

# Gateway vs nginx vs HAProxy on the same upstream; writes bench/results/proxy.md.
# ThreadSanitizer over the suites where threads meet (store threads, the Redis client,
# the keepalive, the workers), by hand: not in CI (README §5.1 says what it found).
TSAN_DIR ?= build-tsan
TSAN_TESTS := unit_store_thread unit_shared_state integration_redis_state integration_dxtrade_keepalive \
  integration_proxy integration_dxtrade_replicas
TSAN_CTEST := ^(unit.store_thread|unit.shared_state|integration.redis_state|integration.dxtrade_keepalive|integration.proxy|integration.dxtrade_replicas)$$
test-tsan: deps test-deps
	cmake -S . -B $(TSAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
	  -DTG_TSAN=ON
	cmake --build $(TSAN_DIR) -j $(JOBS) --target trading-gateway trading-sandbox $(TSAN_TESTS)
	cd $(TSAN_DIR) && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest --output-on-failure --timeout 900 -R '$(TSAN_CTEST)'

# libFuzzer over each target in tests/fuzz for FUZZ_SECONDS (tests/fuzz/README.md): clang
# with ASan and UBSan in $(FUZZ_DIR). New findings are written to $(FUZZ_DIR)/findings;
# the corpora grow in $(FUZZ_DIR)/corpus, seeded from tests/fuzz/corpus.
fuzz: deps
	$(call install_missing,clang-14 libclang-rt-14-dev)
	cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DTG_FUZZ=ON
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	@mkdir -p $(FUZZ_DIR)/findings; status=0; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$t && cp -n tests/fuzz/corpus/$$t/* $(FUZZ_DIR)/corpus/$$t/ 2>/dev/null; \
	  echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
	  $(FUZZ_DIR)/tests/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix=$(FUZZ_DIR)/findings/$$t- -print_final_stats=1 $(FUZZ_DIR)/corpus/$$t \
	    > $(FUZZ_DIR)/fuzz_$$t.log 2>&1 || { status=1; echo "fuzz_$$t FOUND A FAILURE: $(FUZZ_DIR)/fuzz_$$t.log"; }; \
	  grep -E '^stat::number_of_executed_runs|^stat::peak_rss_mb' $(FUZZ_DIR)/fuzz_$$t.log | tr '\n' ' '; echo; \
	done; exit $$status

bench: build
	bench/proxy.sh $(BUILD_DIR)

# The DXtrade ping scheduler with 100,000 and 1,000,000 sessions; writes bench/results/scheduler.md.
bench-scheduler: build
	bench/scheduler.sh $(BUILD_DIR)

bench-ha: build
	$(call install_missing,redis-server curl)
	cmake --build $(BUILD_DIR) --target ha-bench
	bench/ha.sh $(BUILD_DIR)

check: build
	SIXMM_API_SECRET=$${SIXMM_API_SECRET:-set-by-make-run} DXWEB_PASSWORD=$${DXWEB_PASSWORD:-set-by-make-run} \
	DXTRADE_STORE_KEY=$${DXTRADE_STORE_KEY:-set-by-make-run} $(BUILD_DIR)/gateway/trading-gateway --check conf/trading-gateway.json

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR)
