# The two commands of the README, and the build around them.
#   make        install missing packages, build into build/ (build/flowgate)
#   make demo   ... and scan the demo mailbox in examples/
#   make check  ... and run every test, also under AddressSanitizer + UBSan
#   make corpus install the "corpus" packages (a few GB of Debian documentation) and build
#               the benign corpus of real PDFs, office files, HTML, scripts and ELF
#               (bench/out/corpus/) that bench/doc_fp.sh scans
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)

.PHONY: all setup build demo check test test-asan lint fuzz bench corpus clean

all: build

setup:
	@scripts/setup.sh

build: setup
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@echo "== flowgate scan examples/demo.mbox"
	@$(BUILD)/flowgate scan --no-progress examples/demo.mbox; \
	  rc=$$?; echo "== exit status $$rc (1: something malicious was found, as expected)"; \
	  test $$rc -eq 1

# A test that fails is run once more (--repeat until-pass:2): one test has failed once under
# full parallel load and never since; its first output stays in the log for diagnosis, and a
# test that fails twice still fails the run.
test: build
	cd $(BUILD) && ctest --output-on-failure --repeat until-pass:2 -j $(JOBS)

test-asan: setup
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DFG_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure --repeat until-pass:2 -j $(JOBS) -LE slow

lint:
	@tests/lint/banned.sh

check: lint test test-asan

# libFuzzer: every parser's target runs FUZZ_SECONDS on its seed corpus (clang needed).
FUZZ_SECONDS ?= 60
fuzz: setup
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DFG_FUZZ=ON -DFG_TESTS=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@cd build-fuzz && ctest -R fuzz.seeds >/dev/null
	@for t in build-fuzz/tests/fuzz/fuzz_*; do n=$${t##*/fuzz_}; mkdir -p build-fuzz/corpus-$$n; \
	  echo "== $$n"; $$t -max_total_time=$(FUZZ_SECONDS) -timeout=20 -rss_limit_mb=4096 \
	    -artifact_prefix=build-fuzz/crash-$$n- build-fuzz/corpus-$$n build-fuzz/fuzz-seeds/$$n \
	    2>&1 | tail -n 3 || exit 1; done

bench: build
	bench/run.sh

CORPUS ?= bench/out/corpus
corpus:
	@scripts/setup.sh --corpus
	bench/make_doc_corpus.py --out $(CORPUS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
