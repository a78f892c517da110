# The two commands the README promises. Each installs what is missing first,
# so either works alone on a fresh Debian 12 machine.
BUILD    ?= build
JOBS     ?= 2
SCENARIO ?= scenarios/pdd_baseline.yaml
OUT      ?= results/pdd_baseline.h5
CMAKE_FLAGS ?=

.PHONY: all deps build run test test-asan test-mpi bench fuzz clean

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The main job: simulate the default scenario; bidsim run prints the
# per-plan summary and the result file's path.
run: build
	@mkdir -p $(dir $(OUT))
	./$(BUILD)/bidsim run $(SCENARIO) -o $(OUT)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# Unit tests under AddressSanitizer and UBSan (CI runs this after `make test`).
test-asan:
	@$(MAKE) --no-print-directory test BUILD=build-asan \
	  CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=Debug -DBIDSIM_SANITIZE=ON -DBIDSIM_WERROR=ON"

# The MPI build (OpenMPI) and its test: mpirun -np 2/3 and kill-and-resume
# against the single-process result. CI runs it after the sanitizer job.
test-mpi:
	@$(MAKE) --no-print-directory build BUILD=build-mpi CMAKE_FLAGS="-DBIDSIM_MPI=ON -DBIDSIM_TESTS=ON -DBIDSIM_WERROR=ON"
	ctest --test-dir build-mpi --output-on-failure --no-tests=error -R "sim/test_(mpi|shards|run)"

bench: build
	./$(BUILD)/bidsim bench

# Fuzz the scenario loader with libFuzzer (clang-14) for FUZZ_SECONDS,
# starting from the shipped scenarios. Crashes land in build-fuzz/crashes/.
# FUZZ_SEED and FUZZ_RUNS (CI sets both) fix the seed and the number of
# inputs, so a gate's run does the same amount of work whatever the
# machine's speed (libFuzzer is still not exactly repeatable).
FUZZ_SECONDS ?= 60
FUZZ_SEED ?= 0
FUZZ_RUNS ?= -1
fuzz: deps
	@cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
	  -DCMAKE_BUILD_TYPE=Debug -DBIDSIM_SANITIZE=ON -DBIDSIM_FUZZ=ON -DBIDSIM_TESTS=OFF >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target fuzz_scenario
	@mkdir -p build-fuzz/corpus build-fuzz/crashes
	@cp scenarios/*.yaml scenarios/invalid/*.yaml build-fuzz/corpus/ 2>/dev/null || true
	./build-fuzz/fuzz_scenario -max_total_time=$(FUZZ_SECONDS) -seed=$(FUZZ_SEED) -runs=$(FUZZ_RUNS) -max_len=8192 -timeout=10 \
	  -artifact_prefix=build-fuzz/crashes/ build-fuzz/corpus

clean:
	rm -rf build build-asan build-mpi build-fuzz results
