package testenv

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// EMF is one CloudWatch Embedded Metric Format line of a log, checked
// against the specification: an "_aws" member with a millisecond Timestamp
// and CloudWatchMetrics directives whose Dimensions and Metrics name
// members of the line (dimension values strings, metric values numbers).
type EMF struct {
	Namespace  string
	Dimensions map[string]string  // every dimension's value
	Values     map[string]float64 // every metric's value
	Units      map[string]string  // every metric's unit
	// Properties are the members that are neither metadata, dimensions
	// nor metrics.
	Properties map[string]any
	Time       time.Time
}

// EMFLines returns the EMF lines of a log (lines that are JSON objects with
// an "_aws" member); other lines are skipped. It returns an error for an
// EMF line that breaks the specification.
func EMFLines(log string) ([]EMF, error) {
	var out []EMF
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 0, 1<<16), 1<<22)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		var raw map[string]json.RawMessage
		if json.Unmarshal(line, &raw) != nil || raw["_aws"] == nil {
			continue
		}
		e, err := parseEMF(raw)
		if err != nil {
			return out, fmt.Errorf("log line %d: %w: %s", n, err, line)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

func parseEMF(raw map[string]json.RawMessage) (EMF, error) {
	var meta struct {
		Timestamp         *int64 `json:"Timestamp"`
		CloudWatchMetrics []struct {
			Namespace  string     `json:"Namespace"`
			Dimensions [][]string `json:"Dimensions"`
			Metrics    []struct {
				Name string `json:"Name"`
				Unit string `json:"Unit"`
			} `json:"Metrics"`
		} `json:"CloudWatchMetrics"`
	}
	if err := json.Unmarshal(raw["_aws"], &meta); err != nil {
		return EMF{}, fmt.Errorf("_aws: %w", err)
	}
	if meta.Timestamp == nil || *meta.Timestamp < 1e12 {
		return EMF{}, fmt.Errorf("_aws.Timestamp missing or not in milliseconds")
	}
	if len(meta.CloudWatchMetrics) == 0 {
		return EMF{}, fmt.Errorf("_aws.CloudWatchMetrics empty")
	}
	e := EMF{Dimensions: map[string]string{}, Values: map[string]float64{}, Units: map[string]string{},
		Properties: map[string]any{}, Time: time.UnixMilli(*meta.Timestamp)}
	units := map[string]bool{"": true, "Count": true, "Milliseconds": true, "Seconds": true, "None": true, "Percent": true, "Bytes": true}
	for _, d := range meta.CloudWatchMetrics {
		if d.Namespace == "" || len(d.Namespace) > 1024 {
			return e, fmt.Errorf("bad Namespace %q", d.Namespace)
		}
		e.Namespace = d.Namespace
		for _, set := range d.Dimensions {
			if len(set) > 30 {
				return e, fmt.Errorf("dimension set of %d (at most 30)", len(set))
			}
			for _, name := range set {
				var v string
				if err := json.Unmarshal(raw[name], &v); err != nil || v == "" {
					return e, fmt.Errorf("dimension %q is not a non-empty string member", name)
				}
				e.Dimensions[name] = v
			}
		}
		if len(d.Metrics) == 0 || len(d.Metrics) > 100 {
			return e, fmt.Errorf("%d metrics in a directive (1 to 100)", len(d.Metrics))
		}
		for _, m := range d.Metrics {
			var v float64
			if m.Name == "" || json.Unmarshal(raw[m.Name], &v) != nil {
				return e, fmt.Errorf("metric %q is not a number member", m.Name)
			}
			if !units[m.Unit] {
				return e, fmt.Errorf("metric %q: unit %q", m.Name, m.Unit)
			}
			e.Values[m.Name], e.Units[m.Name] = v, m.Unit
		}
	}
	for k, v := range raw {
		if _, isDim := e.Dimensions[k]; isDim || k == "_aws" {
			continue
		}
		if _, isMetric := e.Values[k]; isMetric {
			continue
		}
		var x any
		_ = json.Unmarshal(v, &x)
		e.Properties[k] = x
	}
	return e, nil
}
