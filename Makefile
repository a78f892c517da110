# The two commands the README promises. Each installs what is missing first,
# so either works alone on a fresh Debian 12 machine.
BUILD    ?= build
JOBS     ?= 2
SCENARIO ?= scenarios/pdd_baseline.yaml
OUT      ?= results/pdd_baseline.h5
CMAKE_FLAGS ?=

.PHONY: all deps build run test test-asan bench fuzz clean

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Until the scenario driver (issue 3) lands, the main job is the engine
# benchmark; it becomes `bidsim run $(SCENARIO) -o $(OUT)` + report then.
run: build
	./$(BUILD)/bidsim bench

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# Unit tests under AddressSanitizer and UBSan (CI runs this after `make test`).
test-asan:
	@$(MAKE) --no-print-directory test BUILD=build-asan \
	  CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=Debug -DBIDSIM_SANITIZE=ON -DBIDSIM_WERROR=ON"

bench: build
	./$(BUILD)/bidsim bench

clean:
	rm -rf build build-asan build-mpi results
