# Members: make local (run everything on this machine), make test (all tests).
SHELL := /bin/bash
GO ?= go
FUNCTIONS := $(notdir $(wildcard functions/*))
GOARCH_LAMBDA ?= arm64
BUILD_DIR ?= build
LDFLAGS := -s -w
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1

.PHONY: help deps tools local test test-unit test-integration test-browser bench build fmt vet lint synth deploy diff destroy clean

help:
	@echo "make local   - run the whole stack locally (API on :3000, SES inbox on :8005)"
	@echo "make test    - run every test (unit, integration, runtime emulator, CDK, browser)"
	@echo "make bench   - run the benchmarks (see docs/benchmarks.md)"
	@echo "make build   - build every Lambda as build/<fn>/bootstrap (linux/$(GOARCH_LAMBDA))"
	@echo "make synth | deploy | diff | destroy - the CDK app (infra/)"

## deps: Node tools pinned in package-lock.json (SES emulator, CDK CLI).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@
deps: node_modules/.package-lock.json

## build: one bootstrap per functions/<name>, as Lambda's provided.al2023 runtime wants it.
build: $(FUNCTIONS:%=$(BUILD_DIR)/%/bootstrap)
$(BUILD_DIR)/%/bootstrap: FORCE
	@mkdir -p $(dir $@)
	CGO_ENABLED=0 GOOS=linux GOARCH=$(GOARCH_LAMBDA) $(GO) build -trimpath -ldflags "$(LDFLAGS)" -tags lambda.norpc -o $@ ./functions/$*
FORCE:

## tools: Go tools the tests run, at pinned versions, into $(go env GOBIN) or
## $(go env GOPATH)/bin: aws-lambda-rie (Lambda Runtime Interface Emulator).
RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d
tools:
	@bin="$$($(GO) env GOBIN)"; bin="$${bin:-$$($(GO) env GOPATH | cut -d: -f1)/bin}/aws-lambda-rie"; \
	$(GO) version -m "$$bin" 2>/dev/null | grep -q '$(RIE_VERSION)' || \
	$(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION)

## local: SES v2 emulator + local API server (JWT authorizer emulation, embedded DynamoDB).
local: deps
	./scripts/local.sh

test: deps tools
	$(GO) vet ./...
	$(GO) test -count=1 -race ./...

## bench: every benchmark once (BENCH selects, e.g. BENCH=Invite); figures in docs/benchmarks.md.
BENCH ?= .
BENCHTIME ?= 1s
bench: deps
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchtime $(BENCHTIME) -benchmem ./...

## fuzz: each fuzz target for FUZZTIME (CI: a short, fixed time); seeds live in testdata/fuzz/.
.PHONY: fuzz
FUZZTIME ?= 10s
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) ./scripts/fuzz.sh

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	$(GO) vet ./...

## CDK app (infra/, cdk.json). The CLI is pinned in package-lock.json.
## Context (sesIdentity, mailFrom, consoleOrigin, oidcIssuer, oidcAudience,
## cognitoDomainPrefix, consoleDomain, consoleCertificateArn, webAclArn,
## cognitoFeaturePlan) comes from cdk.context.json or CDK_ARGS, e.g.
##   make deploy CDK_ARGS="-c sesIdentity=example.com -c mailFrom=no-reply@example.com"
## See docs/deploy.md.
CDK := node_modules/.bin/cdk
CDK_OUT ?= cdk.out
CDK_ARGS ?=
CDK_APP_ARGS = -c assetDir=$(BUILD_DIR) $(CDK_ARGS)
# synth needs no AWS account or network: no lookups, notices, version check or telemetry.
CDK_OFFLINE := CDK_DISABLE_VERSION_CHECK=true CDK_DISABLE_CLI_TELEMETRY=true

## The app applies cdk-nag's AwsSolutions checks: an unsuppressed finding is an
## error annotation, so synth fails; the report lists every finding, suppressed
## ones with their reason (docs/deploy.md, Security review).
synth: deps build
	$(CDK_OFFLINE) $(CDK) synth --no-lookups --no-notices --no-version-reporting --quiet -o $(CDK_OUT) $(CDK_APP_ARGS)
	@ls $(CDK_OUT)/*.template.json $(CDK_OUT)/AwsSolutions-*-NagReport.csv

diff: deps build
	$(CDK) diff $(CDK_APP_ARGS)

deploy: deps build
	$(CDK) deploy --require-approval broadening $(CDK_APP_ARGS)

destroy: deps build
	$(CDK) destroy $(CDK_APP_ARGS)

clean:
	rm -rf $(BUILD_DIR) cdk.out
