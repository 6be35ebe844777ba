package members

import (
	"strings"

	"github.com/members-saas/members/shared/metrics"
)

// AlarmTable is the runbook's generated alarm table (docs/operations.md,
// generated:alarms): every alarm of AlarmDocs with its link, metric and
// threshold.
func AlarmTable() string {
	var b strings.Builder
	b.WriteString("| alarm (`Members-…`) | metric | fires when |\n|---|---|---|\n")
	for _, a := range AlarmDocs() {
		name := a.ID
		if strings.HasSuffix(name, "-") {
			name += "*name*"
		}
		b.WriteString("| [" + name + "](#" + runbookAnchor(a.ID) + ") | " + a.Metric + " | " + a.Threshold + " |\n")
	}
	return b.String()
}

// MetricTable is the runbook's generated table of business metrics
// (docs/operations.md, generated:metrics), from metrics.Catalog.
func MetricTable() string {
	var b strings.Builder
	b.WriteString("| metric | emitted by | counts |\n|---|---|---|\n")
	for _, m := range metrics.Catalog {
		b.WriteString("| `" + string(m.Name) + "` | " + m.Source + " | " + m.Help + " |\n")
	}
	return b.String()
}
