# Thin wrapper over CMake. `make demo` and `make test` install missing Debian packages first.
BUILD      ?= build
TEST_BUILD ?= build-asan
CLANG_BUILD ?= build-clang
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX     ?= /usr/local

.PHONY: all build deps deps-min test test-fast tsan valgrind clang format format-check demo install bench \
        fuzz docs stress clean

all: build

deps:
	@scripts/install-deps.sh

deps-min:
	@scripts/install-deps.sh --minimal

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX)

build: deps-min $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

# The whole suite under ASan+UBSan, then the unit tests under valgrind, a clang -Werror
# build and the format check.
test: deps
	cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DLOOPMSG_SANITIZE=ON
	cmake --build $(TEST_BUILD) -j$(JOBS)
	cd $(TEST_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j$(JOBS) --timeout 600
	$(MAKE) tsan
	$(MAKE) valgrind
	$(MAKE) clang
	$(MAKE) format-check

test-fast: deps
	cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DLOOPMSG_SANITIZE=ON
	cmake --build $(TEST_BUILD) -j$(JOBS)
	cd $(TEST_BUILD) && ctest --output-on-failure -j$(JOBS)

# The threaded parts (async engine, webhook receiver, emulator) under ThreadSanitizer.
TSAN_TESTS ?= test_async|test_redis$$|test_webhook_server$$|test_webhook_server_flood|test_webhook_queue|test_webhook_dedupe|test_emulator_basic
tsan: deps
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DLOOPMSG_TSAN=ON
	cmake --build build-tsan -j$(JOBS)
	cd build-tsan && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest --output-on-failure -R '$(TSAN_TESTS)'

# The webhook receiver's suites STRESS_RUNS times (default 50) under TSan and ASan, stopping at
# the first failure; STRESS_TESTS picks other ctest regexes (space-separated).
STRESS_RUNS ?= 50
STRESS_TESTS ?=
stress: deps
	scripts/stress.sh -n $(STRESS_RUNS) $(STRESS_TESTS)

valgrind: build
	scripts/valgrind-tests.sh $(BUILD)

clang:
	@if command -v clang >/dev/null; then \
	  cmake -S . -B $(CLANG_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug && \
	  cmake --build $(CLANG_BUILD) -j$(JOBS); \
	else echo "clang not installed: skipping the clang build"; fi

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	@scripts/format-check.sh

# Only what the demo runs is built, so that a fresh checkout gets to the demo quickly.
demo: deps-min $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS) --target loopmsg_cli echo_bot
	scripts/demo.sh $(BUILD)

install: build
	cmake --install $(BUILD)

bench: build
	scripts/bench.sh $(BUILD)

# The API reference of include/ (Doxygen): build-docs/html/index.html. Any warning (an
# undocumented function, struct, field, enum value or macro) fails (WARN_AS_ERROR).
docs:
	@command -v doxygen >/dev/null || { echo "make docs needs doxygen (Debian package doxygen; make deps)"; exit 1; }
	doxygen docs/Doxyfile
	@echo "API reference: build-docs/html/index.html"

fuzz:
	@command -v clang >/dev/null || { echo "fuzzing needs clang"; exit 1; }
	cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DLOOPMSG_BUILD_FUZZERS=ON \
	  -DLOOPMSG_BUILD_TESTS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build build-fuzz -j$(JOBS)
	scripts/fuzz.sh build-fuzz

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(CLANG_BUILD) build-fuzz build-tsan build-docs
