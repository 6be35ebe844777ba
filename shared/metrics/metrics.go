// Package metrics writes the service's business metrics as CloudWatch
// Embedded Metric Format (EMF) log lines: one JSON object per line whose
// "_aws" member tells CloudWatch Logs which of its members are metrics.
// CloudWatch extracts them from a function's log group with no API call and
// no agent; locally the lines are part of `make local`'s log.
//
// Every metric has one dimension, Function: the logical function name of the
// route table ("invite", "ses-events"), a small fixed set. Nothing with
// unbounded or personal values (organization ids, user ids, addresses) is a
// dimension or a property.
package metrics

import (
	"encoding/json"
	"io"
	"sort"
	"sync"
	"time"
)

// Namespace is the CloudWatch namespace of every metric.
const Namespace = "Members"

// DimFunction is the one dimension: the logical function name.
const DimFunction = "Function"

// Name is a metric name.
type Name string

// The metrics. Catalog describes each one; docs/operations.md lists them.
const (
	Requests              Name = "Requests"
	ClientErrors          Name = "ClientErrors"
	ServerErrors          Name = "ServerErrors"
	RateLimited           Name = "RateLimited"
	InvitesCreated        Name = "InvitesCreated"
	InvitesResent         Name = "InvitesResent"
	InvitesRevoked        Name = "InvitesRevoked"
	InvitesUpdated        Name = "InvitesUpdated"
	InvitesAccepted       Name = "InvitesAccepted"
	MembersAdded          Name = "MembersAdded"
	MembersRemoved        Name = "MembersRemoved"
	ProjectMembersRemoved Name = "ProjectMembersRemoved"
	EmailsSent            Name = "EmailsSent"
	EmailsFailed          Name = "EmailsFailed"

	DeliverySent             Name = "DeliverySent"
	DeliveryDelivered        Name = "DeliveryDelivered"
	DeliveryBouncedPermanent Name = "DeliveryBouncedPermanent"
	DeliveryBouncedTransient Name = "DeliveryBouncedTransient"
	DeliveryComplained       Name = "DeliveryComplained"

	EventsPublished Name = "EventsPublished"
	EventsFailed    Name = "EventsFailed"

	SweepsCompleted Name = "SweepsCompleted"
	SweepFailures   Name = "SweepFailures"
	MembersExpired  Name = "MembersExpired"
	ExpiryReminders Name = "ExpiryReminders"

	ScimProvisioned   Name = "ScimProvisioned"
	ScimDeprovisioned Name = "ScimDeprovisioned"
	ScimRejected      Name = "ScimRejected"
)

// Metric describes one metric of Catalog.
type Metric struct {
	Name Name
	// Source is the function(s) that emit it.
	Source string
	Help   string
}

// Catalog is every metric the service emits, in the order docs list them.
// All are counts (EMF unit "Count").
var Catalog = []Metric{
	{Requests, "every HTTP function", "API requests answered by the handler (one per request)"},
	{ClientErrors, "every HTTP function", "requests answered with a 4xx problem"},
	{ServerErrors, "every HTTP function", "requests answered with a 5xx problem"},
	{RateLimited, "every HTTP function", "requests refused with 429 rate_limited"},
	{InvitesCreated, "invite", "invites created for addresses without an account (status invited)"},
	{InvitesResent, "invites", "invites resent with a new token"},
	{InvitesRevoked, "invites, members, project-members", "invites revoked: by a person (DELETE of the invite), and the pending invites of a sender whose role change or removal took away the authority to grant them (reason sender_lost_access)"},
	{InvitesUpdated, "invites", "pending invites edited (roles, projects or expiry; same link)"},
	{InvitesAccepted, "accept", "invites accepted (accepting again as the same account counts again)"},
	{MembersAdded, "invite, accept", "people given access: existing accounts added at once by an invite (status added, including members who gain projects), and accepts that made someone a member of the organization"},
	{MembersRemoved, "members", "members removed from an organization (or who left it)"},
	{ProjectMembersRemoved, "project-members", "members removed from a project (or who left it)"},
	{EmailsSent, "invite, invites", "invite and added mails SES accepted (SendEmail succeeded)"},
	{EmailsFailed, "invite, invites", "invite and added mails SES refused (SendEmail failed; the invite shows delivery failed)"},
	{DeliverySent, "ses-events", "SES Send events: SES took a mail for delivery"},
	{DeliveryDelivered, "ses-events", "SES Delivery events: the recipient's server accepted the mail"},
	{DeliveryBouncedPermanent, "ses-events", "SES Bounce events of type Permanent (hard bounces: what SES's bounce rate counts)"},
	{DeliveryBouncedTransient, "ses-events", "SES Bounce events of type Transient or Undetermined (soft bounces)"},
	{DeliveryComplained, "ses-events", "SES Complaint events: the recipient marked the mail as spam"},
	{ScimProvisioned, "scim", "directory (SCIM) users created (POST /scim/v2/Users) or reactivated (active set to true)"},
	{ScimDeprovisioned, "scim", "directory (SCIM) users deactivated (active set to false) or deleted: their access ended at once"},
	{ScimRejected, "scim", "directory (SCIM) requests answered with an error (bad or revoked token, invalid filter or value, uniqueness…)"},
	{EventsPublished, "publish-events", "membership events EventBridge accepted"},
	{SweepsCompleted, "expire-members", "expiry sweeps that handled every due membership (the SweepMissing alarm fires when there is none for 45 minutes)"},
	{SweepFailures, "expire-members", "due memberships a sweep could not handle (retried by the next sweep), and sweeps that could not read the expiry index"},
	{MembersExpired, "expire-members", "memberships whose access ended and was removed (member.expired: the whole membership or some project roles)"},
	{ExpiryReminders, "expire-members", "reminder mails SES accepted: access ends within 7 days"},
	{EventsFailed, "publish-events", "membership events an invocation could not publish: refused by EventBridge after retries (with the batch's events after them), or a stream record that could not be read or mapped to its event (poison); Lambda retries from the first, so one event may count more than once"},
}

// Counts are metric values of one event (a request, a batch of SES events).
// Zero counts are left out of the line.
type Counts map[Name]float64

// Add adds n to name.
func (c Counts) Add(name Name, n float64) { c[name] += n }

// Sink writes EMF lines to a writer (a Lambda function's stdout, the local
// server's log). It is safe for concurrent use; a nil *Sink writes nothing.
type Sink struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

// New returns a Sink writing to w.
func New(w io.Writer) *Sink { return &Sink{w: w, now: time.Now} }

// NewWithClock is New with a clock for the lines' timestamps.
func NewWithClock(w io.Writer, now func() time.Time) *Sink { return &Sink{w: w, now: now} }

// directive is one entry of _aws.CloudWatchMetrics.
type directive struct {
	Namespace  string       `json:"Namespace"`
	Dimensions [][]string   `json:"Dimensions"`
	Metrics    []definition `json:"Metrics"`
}

type definition struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

type metadata struct {
	Timestamp         int64       `json:"Timestamp"`
	CloudWatchMetrics []directive `json:"CloudWatchMetrics"`
}

// Emit writes one EMF line with counts for function, plus properties
// (searchable in CloudWatch Logs Insights, not metrics). Properties must
// hold no personal data; a property named like a metric or the dimension is
// dropped. Nothing is written when every count is zero. It returns the
// writer's error.
func (s *Sink) Emit(function string, counts Counts, properties map[string]string) error {
	if s == nil {
		return nil
	}
	names := make([]string, 0, len(counts))
	for n, v := range counts {
		if v != 0 {
			names = append(names, string(n))
		}
	}
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	line := map[string]any{}
	for k, v := range properties {
		line[k] = v
	}
	defs := make([]definition, len(names))
	for i, n := range names {
		defs[i] = definition{Name: n, Unit: "Count"}
		line[n] = counts[Name(n)]
	}
	line[DimFunction] = function
	line["_aws"] = metadata{
		Timestamp: s.now().UnixMilli(),
		CloudWatchMetrics: []directive{{
			Namespace: Namespace, Dimensions: [][]string{{DimFunction}}, Metrics: defs,
		}},
	}
	b, err := json.Marshal(line)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err = s.w.Write(b)
	return err
}
