# callwarden — the two commands a user needs are `make run` and `make test`;
# each installs and builds what it lacks.

NPM ?= npm
MOCHA = node_modules/.bin/mocha
TSC = node_modules/.bin/tsc

.PHONY: install build run demo test test-unit bench bench-parser bench-store clean

install: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	@touch $@

build: install
	$(TSC) -p .

run: build
	node dist/src/cli.js run

demo: build
	node dist/src/demo.js

test: build
	NODE_ENV=test $(MOCHA)

# Issue 12's figures: the pipeline against modesl's bare parser on the same bytes, the heap after
# 100,000 finished calls, the whole daemon at BENCH_LOAD_CALLS (2,000) live calls with a burst,
# and the floor under part 3's latency on this machine (a decider doing only socket, fsync, socket).
bench: build
	BENCH_CALLS=$${BENCH_CALLS:-2000} node --expose-gc dist/bench/pipeline.js
	node --expose-gc dist/bench/registry-churn.js
	NODE_ENV=test node --expose-gc dist/bench/load.js
	node dist/bench/floor.js

# The database's share of the pipeline alone: statements and CPU per call (bench/store-writes.ts).
bench-store: build
	node dist/bench/store-writes.js

# What hostile byte streams cost the ESL parser, as ratios to normal traffic (bench/parser.ts), and
# decoding the captured real-FreeSWITCH events against modesl's bare parser (bench/real-events.ts).
bench-parser: build
	node --expose-gc dist/bench/parser.js
	node dist/bench/real-events.js

clean:
	rm -rf dist node_modules
