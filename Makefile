# BotSync Go SDK. `make test` is what CI runs (.ci/run).
GO ?= go
export PATH := /usr/local/go/bin:$(PATH)

.PHONY: test test-short vet fmt-check bench services-up server fuzz

## test: install and start PostgreSQL 15 and the pgvector test server when missing,
## then gofmt check, go vet and the whole suite with the race detector.
test:
	scripts/testenv.sh $(MAKE) --no-print-directory _test

_test: fmt-check vet
	$(GO) test -race -count=1 -timeout 20m ./...

## test-short: the suite without services (database tests skip).
test-short:
	$(GO) test -count=1 ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './tools/*'))"; \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## server: run the reference server (embedded, in memory).
server:
	$(GO) run ./examples/server

## bench: the benchmarks recorded in BENCHMARKS.md (services started as for test).
bench:
	scripts/testenv.sh $(GO) test -run '^$$' -bench . -benchmem ./...

## fuzz: run every fuzz target for FUZZTIME (default 60s) each.
FUZZTIME ?= 60s
fuzz:
	scripts/fuzz.sh $(FUZZTIME)
