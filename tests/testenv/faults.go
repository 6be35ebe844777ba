package testenv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
)

// Fault is how the fault proxy answers a request it fails.
type Fault int

// The faults the proxy injects, each as DynamoDB sends it.
const (
	// FaultNone passes requests through.
	FaultNone Fault = iota
	// FaultInternal is HTTP 500 InternalServerError (the SDK retries it).
	FaultInternal
	// FaultThrottle is HTTP 400 ProvisionedThroughputExceededException
	// (the SDK retries it too).
	FaultThrottle
	// FaultTxCanceled is HTTP 400 TransactionCanceledException with a
	// TransactionConflict reason per item, as a write racing the
	// transaction causes.
	FaultTxCanceled
)

// FaultProxy is an HTTP proxy in front of DynamoDB Local that fails the
// requests on chosen tables, optionally only chosen operations, and
// passes everything else through unchanged. The shared one is
// Shared.Faults (Shared.DynamoURL points at it).
type FaultProxy struct {
	proxy *httputil.ReverseProxy
	mu    sync.Mutex
	rules map[string]faultRule // by table
}

type faultRule struct {
	fault Fault
	ops   map[string]bool // nil: every operation
}

// NewFaultProxy returns a proxy to the DynamoDB endpoint target.
func NewFaultProxy(target string) (*FaultProxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	return &FaultProxy{proxy: httputil.NewSingleHostReverseProxy(u), rules: map[string]faultRule{}}, nil
}

// Fail makes every request that touches table (by TableName, in
// RequestItems or in TransactItems) fail with f, or only the operations
// named in ops (e.g. "TransactWriteItems"). FaultNone clears the rule.
func (p *FaultProxy) Fail(table string, f Fault, ops ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f == FaultNone {
		delete(p.rules, table)
		return
	}
	r := faultRule{fault: f}
	if len(ops) > 0 {
		r.ops = map[string]bool{}
		for _, op := range ops {
			r.ops[op] = true
		}
	}
	p.rules[table] = r
}

// ServeHTTP fails the request when a rule says so and proxies it otherwise.
func (p *FaultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	active := len(p.rules) > 0
	p.mu.Unlock()
	if active {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		op := r.Header.Get("X-Amz-Target")
		op = op[strings.LastIndexByte(op, '.')+1:]
		if f, n := p.match(op, body); f != FaultNone {
			writeFault(w, f, n)
			return
		}
	}
	p.proxy.ServeHTTP(w, r)
}

// match returns the fault for operation op with JSON body, and how many
// items a transaction has.
func (p *FaultProxy) match(op string, body []byte) (Fault, int) {
	var req struct {
		TableName     string
		RequestItems  map[string]json.RawMessage
		TransactItems []map[string]struct{ TableName string }
	}
	if json.Unmarshal(body, &req) != nil {
		return FaultNone, 0
	}
	tables := map[string]bool{req.TableName: true}
	for t := range req.RequestItems {
		tables[t] = true
	}
	for _, it := range req.TransactItems {
		for _, x := range it {
			tables[x.TableName] = true
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for t := range tables {
		if r, ok := p.rules[t]; ok && t != "" && (r.ops == nil || r.ops[op]) {
			return r.fault, len(req.TransactItems)
		}
	}
	return FaultNone, 0
}

const errPrefix = "com.amazonaws.dynamodb.v20120810#"

func writeFault(w http.ResponseWriter, f Fault, items int) {
	status, body := http.StatusBadRequest, map[string]any{}
	switch f {
	case FaultInternal:
		status = http.StatusInternalServerError
		body["__type"], body["message"] = errPrefix+"InternalServerError", "Internal server error (injected by the test's fault proxy)"
	case FaultThrottle:
		body["__type"] = errPrefix + "ProvisionedThroughputExceededException"
		body["message"] = "The level of configured provisioned throughput for the table was exceeded (injected by the test's fault proxy)"
	case FaultTxCanceled:
		reasons := make([]map[string]string, max(items, 1))
		codes := make([]string, len(reasons))
		for i := range reasons {
			reasons[i] = map[string]string{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
			codes[i] = "TransactionConflict"
		}
		body["__type"] = errPrefix + "TransactionCanceledException"
		body["message"] = fmt.Sprintf("Transaction cancelled, please refer cancellation reasons for specific reasons [%s]", strings.Join(codes, ", "))
		body["CancellationReasons"] = reasons
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-Requestid", "fault-proxy")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
