package domain

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	filter "github.com/scim2/filter-parser/v2"
)

// SCIM schema and message URNs (RFC 7643, RFC 7644).
const (
	SCIMSchemaUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	SCIMSchemaGroup      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	SCIMSchemaEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	SCIMSchemaList       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	SCIMSchemaPatch      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SCIMSchemaError      = "urn:ietf:params:scim:api:messages:2.0:Error"
	SCIMSchemaSPConfig   = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	SCIMSchemaResType    = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	SCIMSchemaSchema     = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

// SCIMName is a user's name (RFC 7643 §4.1.1).
type SCIMName struct {
	Formatted  string `json:"formatted,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
	GivenName  string `json:"givenName,omitempty"`
	MiddleName string `json:"middleName,omitempty"`
}

// SCIMEmail is one of a user's addresses.
type SCIMEmail struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

// SCIMUser is a user the directory provisioned in one organization.
type SCIMUser struct {
	ID      string
	OrgID   string
	OrgName string
	// UserName is the address that gets access (normalized, so lookups
	// are case-insensitive).
	UserName    string
	ExternalID  string
	Active      bool
	Name        SCIMName
	DisplayName string
	Emails      []SCIMEmail
	// UserID is the account linked to UserName: set when provisioned if
	// the address has an account, else at that account's first sign-in.
	UserID string
	// Groups are the ids of the directory groups the user is in.
	Groups []string
	// Baseline is what the directory grants before groups: the token's
	// default role, plus the access an existing member had when the
	// directory took them over.
	Baseline     Grant
	Created      time.Time
	LastModified time.Time
	Rev          int64
}

// workEmail is the address of the user's work email ("" when none).
func (u SCIMUser) workEmail() string {
	for _, e := range u.Emails {
		if strings.EqualFold(e.Type, "work") {
			em, _ := NormalizeEmail(e.Value)
			return em
		}
	}
	return ""
}

// SCIMGroup is a directory group and the access it grants.
type SCIMGroup struct {
	ID          string
	OrgID       string
	DisplayName string
	ExternalID  string
	// Grant is what membership of the group gives (PUT …/grants); empty
	// until an owner maps the group.
	Grant        Grant
	Created      time.Time
	LastModified time.Time
	Rev          int64
}

// SCIMGroupMember is one member of a group.
type SCIMGroupMember struct {
	UserID   string // the SCIM user id
	UserName string
}

func scimMeta(c SCIMCaller, kind, id string, created, modified time.Time, rev int64) map[string]any {
	loc := "/scim/v2/" + kind + "s/" + id
	if c.BaseURL != "" {
		loc = c.BaseURL + "/" + kind + "s/" + id
	}
	return map[string]any{"resourceType": kind, "created": created.UTC().Format(time.RFC3339Nano),
		"lastModified": modified.UTC().Format(time.RFC3339Nano), "location": loc, "version": fmt.Sprintf(`W/"%d"`, rev)}
}

// userResource is u as a SCIM User resource.
func userResource(c SCIMCaller, u SCIMUser, groups map[string]SCIMGroup) map[string]any {
	r := map[string]any{"schemas": []string{SCIMSchemaUser}, "id": u.ID, "userName": u.UserName, "active": u.Active,
		"meta": scimMeta(c, "User", u.ID, u.Created, u.LastModified, u.Rev)}
	if u.ExternalID != "" {
		r["externalId"] = u.ExternalID
	}
	if u.Name != (SCIMName{}) {
		r["name"] = u.Name
	}
	if u.DisplayName != "" {
		r["displayName"] = u.DisplayName
	}
	if len(u.Emails) > 0 {
		r["emails"] = u.Emails
	}
	if len(u.Groups) > 0 && groups != nil {
		gs := []map[string]any{}
		for _, gid := range u.Groups {
			g := map[string]any{"value": gid, "$ref": strings.TrimSuffix(scimMeta(c, "Group", gid, time.Time{}, time.Time{}, 0)["location"].(string), "")}
			if grp, ok := groups[gid]; ok {
				g["display"] = grp.DisplayName
			}
			gs = append(gs, g)
		}
		r["groups"] = gs
	}
	return r
}

// groupResource is g as a SCIM Group resource; members nil leaves them out.
func groupResource(c SCIMCaller, g SCIMGroup, members []SCIMGroupMember) map[string]any {
	r := map[string]any{"schemas": []string{SCIMSchemaGroup}, "id": g.ID, "displayName": g.DisplayName,
		"meta": scimMeta(c, "Group", g.ID, g.Created, g.LastModified, g.Rev)}
	if g.ExternalID != "" {
		r["externalId"] = g.ExternalID
	}
	if members != nil {
		ms := make([]map[string]any, 0, len(members))
		for _, m := range members {
			ms = append(ms, map[string]any{"value": m.UserID, "display": m.UserName,
				"$ref": scimMeta(c, "User", m.UserID, time.Time{}, time.Time{}, 0)["location"]})
		}
		r["members"] = ms
	}
	return r
}

// SCIMList is a SCIM ListResponse.
type SCIMList struct {
	Schemas      []string         `json:"schemas"`
	TotalResults int              `json:"totalResults"`
	StartIndex   int              `json:"startIndex"`
	ItemsPerPage int              `json:"itemsPerPage"`
	Resources    []map[string]any `json:"Resources"`
}

// SCIMQuery is a list request's parameters (RFC 7644 §3.4.2).
type SCIMQuery struct {
	Filter     string
	StartIndex int // 1-based; 0 means 1
	Count      int // -1: not given
	// ExcludedAttributes lists attributes left out ("members" of groups).
	ExcludedAttributes []string
}

// Paging limits of SCIM lists.
const (
	SCIMDefaultCount = 100
	SCIMMaxCount     = 200
)

// ParseSCIMQuery reads startIndex, count, filter and excludedAttributes.
// Returns scim_invalid_value for non-numeric paging.
func ParseSCIMQuery(filterParam, startIndex, count, excluded string) (SCIMQuery, error) {
	q := SCIMQuery{Filter: filterParam, StartIndex: 1, Count: SCIMDefaultCount}
	if startIndex != "" {
		n, err := strconv.Atoi(startIndex)
		if err != nil {
			return q, Errorf(ECodeScimInvalidValue, "startIndex must be an integer")
		}
		q.StartIndex = max(n, 1) // RFC 7644 §3.4.2.4: less than 1 is 1
	}
	if count != "" {
		n, err := strconv.Atoi(count)
		if err != nil {
			return q, Errorf(ECodeScimInvalidValue, "count must be an integer")
		}
		q.Count = min(max(n, 0), SCIMMaxCount) // negative is 0
	}
	for _, a := range strings.Split(excluded, ",") {
		if a = strings.TrimSpace(a); a != "" {
			q.ExcludedAttributes = append(q.ExcludedAttributes, strings.ToLower(a))
		}
	}
	return q, nil
}

func (q SCIMQuery) excludes(attr string) bool {
	return slices.Contains(q.ExcludedAttributes, strings.ToLower(attr))
}

// lookup is one equality a filter asks for: a unique attribute and value.
type lookup struct{ kind, value string }

// valuePathCompare rewrites `attr[filter].sub op value` (which Entra and
// the examples use, but RFC 7644's grammar has only as
// `attr[filter and sub op value]`) into the RFC form the parser takes.
var valuePathCompare = regexp.MustCompile(`(\w+)\[([^\]]*)\]\.(\w+)\s+(eq|ne|co|sw|ew|gt|lt|ge|le)\s+("(?:[^"\\]|\\.)*"|\S+)`)

// parseFilter parses a SCIM filter and turns it into a union (or) of
// intersections (and) of lookups, with attrs naming the unique attribute
// of each filterable attribute path (lowercase). Returns
// scim_invalid_filter for anything else.
func parseFilter(raw string, attrs map[string]string) ([][]lookup, error) {
	raw = valuePathCompare.ReplaceAllString(raw, `$1[$2 and $3 $4 $5]`)
	e, err := filter.ParseFilter([]byte(raw))
	if err != nil {
		return nil, Errorf(ECodeScimInvalidFilter, "the filter is not valid SCIM filter syntax")
	}
	return filterTerms(e, attrs)
}

func filterTerms(e filter.Expression, attrs map[string]string) ([][]lookup, error) {
	unsupported := Errorf(ECodeScimInvalidFilter, "filters support eq on %s, combined with and/or", strings.Join(sortedKeys(attrs), ", "))
	switch x := e.(type) {
	case *filter.AttributeExpression:
		kind, ok := attrs[strings.ToLower(attrName(x.AttributePath))]
		v, isStr := x.CompareValue.(string)
		if !ok || x.Operator != filter.EQ || !isStr {
			return nil, unsupported
		}
		return [][]lookup{{{kind, v}}}, nil
	case *filter.ValuePath:
		// emails[type eq "work" and value eq "x"]: the value lookup, when
		// the other terms only select the type.
		var terms [][]lookup
		sub := x.ValueFilter
		for {
			l, ok := sub.(*filter.LogicalExpression)
			if !ok || l.Operator != filter.AND {
				break
			}
			if t, ok := l.Left.(*filter.AttributeExpression); ok && strings.EqualFold(t.AttributePath.AttributeName, "type") {
				sub = l.Right
				continue
			}
			if t, ok := l.Right.(*filter.AttributeExpression); ok && strings.EqualFold(t.AttributePath.AttributeName, "type") {
				sub = l.Left
				continue
			}
			break
		}
		t, ok := sub.(*filter.AttributeExpression)
		if !ok {
			return nil, unsupported
		}
		kind, ok := attrs[strings.ToLower(x.AttributePath.AttributeName+"."+t.AttributePath.AttributeName)]
		v, isStr := t.CompareValue.(string)
		if !ok || t.Operator != filter.EQ || !isStr {
			return nil, unsupported
		}
		terms = append(terms, []lookup{{kind, v}})
		return terms, nil
	case *filter.LogicalExpression:
		l, err := filterTerms(x.Left, attrs)
		if err != nil {
			return nil, err
		}
		r, err := filterTerms(x.Right, attrs)
		if err != nil {
			return nil, err
		}
		if x.Operator == filter.OR {
			return append(l, r...), nil
		}
		var out [][]lookup
		for _, a := range l {
			for _, b := range r {
				out = append(out, append(slices.Clone(a), b...))
			}
		}
		return out, nil
	}
	return nil, unsupported
}

// attrName is a filter's attribute path without the core schema URN:
// "userName", "name.givenName", "emails.value".
func attrName(p filter.AttributePath) string {
	n := p.AttributeName
	if p.SubAttribute != nil {
		n += "." + *p.SubAttribute
	}
	return n
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// SCIMPatch is a PATCH request's body (RFC 7644 §3.5.2).
type SCIMPatch struct {
	Schemas    []string      `json:"schemas"`
	Operations []SCIMPatchOp `json:"Operations"`
}

// SCIMPatchOp is one operation. Op is case-insensitive (Entra sends
// "Replace"); Value is any JSON.
type SCIMPatchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

// checkPatch validates a PATCH body's envelope. Returns
// scim_invalid_syntax.
func checkPatch(p SCIMPatch) error {
	if !slices.Contains(p.Schemas, SCIMSchemaPatch) {
		return Errorf(ECodeScimInvalidSyntax, "schemas must list %s", SCIMSchemaPatch)
	}
	if len(p.Operations) == 0 {
		return Errorf(ECodeScimInvalidSyntax, "Operations must list at least one operation")
	}
	if len(p.Operations) > 1000 {
		return Errorf(ECodeScimInvalidSyntax, "at most 1000 operations per request")
	}
	for _, op := range p.Operations {
		switch strings.ToLower(op.Op) {
		case "add", "replace", "remove":
		default:
			return Errorf(ECodeScimInvalidSyntax, `op must be "add", "replace" or "remove", not %q`, op.Op)
		}
	}
	return nil
}

// patchResource applies ops to a resource in its JSON form (attribute
// names matched case-insensitively). Attributes of schemas other than
// core (the enterprise extension Entra sends) are ignored, as RFC 7644
// lets a provider ignore attributes it does not support.
func patchResource(res map[string]any, core string, ops []SCIMPatchOp) error {
	for _, op := range ops {
		kind := strings.ToLower(op.Op)
		var val any
		if len(op.Value) > 0 {
			if err := json.Unmarshal(op.Value, &val); err != nil {
				return Errorf(ECodeScimInvalidSyntax, "an operation's value is not valid JSON")
			}
		}
		if op.Path == "" {
			obj, ok := val.(map[string]any)
			if kind == "remove" || !ok {
				return Errorf(ECodeScimNoTarget, "an operation without a path needs an object value (remove needs a path)")
			}
			for k, v := range obj {
				if strings.HasPrefix(strings.ToLower(k), "urn:") && !strings.EqualFold(k, core) {
					continue // an extension schema's attributes
				}
				if strings.EqualFold(k, core) {
					sub, _ := v.(map[string]any)
					for sk, sv := range sub {
						if err := patchPath(res, core, kind, sk, sv); err != nil {
							return err
						}
					}
					continue
				}
				if err := patchPath(res, core, kind, k, v); err != nil {
					return err
				}
			}
			continue
		}
		if err := patchPath(res, core, kind, op.Path, val); err != nil {
			return err
		}
	}
	return nil
}

func patchPath(res map[string]any, core, kind, path string, val any) error {
	p, err := filter.ParsePath([]byte(path))
	if err != nil {
		return Errorf(ECodeScimInvalidPath, "the path %q is not a valid SCIM path", path)
	}
	if uri := p.AttributePath.URI(); uri != "" && !strings.EqualFold(uri, core) {
		return nil // an extension schema's attribute: ignored
	}
	attr := p.AttributePath.AttributeName
	sub := p.AttributePath.SubAttributeName()
	if p.SubAttribute != nil {
		sub = *p.SubAttribute
	}
	key := findKey(res, attr)
	if p.ValueExpression == nil {
		if sub != "" { // name.givenName
			obj, _ := res[key].(map[string]any)
			if obj == nil {
				if kind == "remove" {
					return nil
				}
				obj = map[string]any{}
			}
			sk := findKey(obj, sub)
			if kind == "remove" {
				delete(obj, sk)
			} else {
				obj[sk] = val
			}
			res[key] = obj
			return nil
		}
		switch kind {
		case "remove":
			list, isList := res[key].([]any)
			vals, hasVals := val.([]any)
			if isList && hasVals { // Entra: remove members with a value list
				res[key] = slices.DeleteFunc(list, func(e any) bool {
					return slices.ContainsFunc(vals, func(v any) bool { return sameValue(e, v) })
				})
				return nil
			}
			delete(res, key)
		case "add":
			list, isList := res[key].([]any)
			vals, hasVals := val.([]any)
			if isList && hasVals {
				for _, v := range vals {
					if !slices.ContainsFunc(list, func(e any) bool { return sameValue(e, v) }) {
						list = append(list, v)
					}
				}
				res[key] = list
				return nil
			}
			if obj, ok := val.(map[string]any); ok {
				if cur, ok := res[key].(map[string]any); ok {
					for k, v := range obj {
						cur[findKey(cur, k)] = v
					}
					return nil
				}
			}
			res[key] = val
		default:
			res[key] = val
		}
		return nil
	}
	// A filtered multi-valued attribute: emails[type eq "work"](.value).
	list, _ := res[key].([]any)
	matched := false
	var kept []any
	for _, e := range list {
		obj, ok := e.(map[string]any)
		if !ok || !matches(obj, p.ValueExpression) {
			kept = append(kept, e)
			continue
		}
		matched = true
		switch {
		case kind == "remove" && sub == "":
			continue
		case kind == "remove":
			delete(obj, findKey(obj, sub))
		case sub != "":
			obj[findKey(obj, sub)] = val
		default:
			if v, ok := val.(map[string]any); ok {
				for k, x := range v {
					obj[findKey(obj, k)] = x
				}
			}
		}
		kept = append(kept, obj)
	}
	if !matched && kind != "remove" {
		// No element matches: make one from the filter's equalities (Entra
		// sets emails[type eq "work"].value on a user with none).
		obj := equalities(p.ValueExpression)
		if obj == nil {
			return Errorf(ECodeScimNoTarget, "no value matches %q", path)
		}
		if sub != "" {
			obj[sub] = val
		} else if v, ok := val.(map[string]any); ok {
			for k, x := range v {
				obj[k] = x
			}
		}
		kept = append(kept, obj)
	}
	res[key] = kept
	return nil
}

// sameValue: two elements of a multi-valued attribute are the same when
// their "value" members are (members, emails), or they are equal scalars.
func sameValue(a, b any) bool {
	ao, aok := a.(map[string]any)
	bo, bok := b.(map[string]any)
	if aok && bok {
		return fmt.Sprint(ao[findKey(ao, "value")]) == fmt.Sprint(bo[findKey(bo, "value")])
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// matches evaluates a value filter (eq, and, or) on one element.
func matches(obj map[string]any, e filter.Expression) bool {
	switch x := e.(type) {
	case *filter.AttributeExpression:
		v, ok := obj[findKey(obj, x.AttributePath.AttributeName)]
		if !ok {
			return x.Operator == filter.NE
		}
		switch x.Operator {
		case filter.EQ:
			return strings.EqualFold(fmt.Sprint(v), fmt.Sprint(x.CompareValue))
		case filter.NE:
			return !strings.EqualFold(fmt.Sprint(v), fmt.Sprint(x.CompareValue))
		case filter.PR:
			return true
		}
		return false
	case *filter.LogicalExpression:
		if x.Operator == filter.AND {
			return matches(obj, x.Left) && matches(obj, x.Right)
		}
		return matches(obj, x.Left) || matches(obj, x.Right)
	}
	return false
}

// equalities returns the attr = value pairs an and-filter of eq terms
// states, or nil when it states something else.
func equalities(e filter.Expression) map[string]any {
	switch x := e.(type) {
	case *filter.AttributeExpression:
		if x.Operator != filter.EQ {
			return nil
		}
		return map[string]any{x.AttributePath.AttributeName: x.CompareValue}
	case *filter.LogicalExpression:
		if x.Operator != filter.AND {
			return nil
		}
		l, r := equalities(x.Left), equalities(x.Right)
		if l == nil || r == nil {
			return nil
		}
		for k, v := range r {
			l[k] = v
		}
		return l
	}
	return nil
}

// findKey returns the key of m that equals name case-insensitively, or
// name when there is none.
func findKey(m map[string]any, name string) string {
	if _, ok := m[name]; ok {
		return name
	}
	for k := range m {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

// get returns m's attribute name, case-insensitively.
func get(m map[string]any, name string) (any, bool) {
	v, ok := m[findKey(m, name)]
	return v, ok
}

// scimBool reads a boolean that may arrive as a string (Entra sends
// "False"). ok is false for anything else.
func scimBool(v any) (b, ok bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

func scimString(v any, field string, val *Validation) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(x)
	}
	val.Add(field, "must be a string")
	return ""
}

// maxSCIMString bounds the free-text attributes stored.
const maxSCIMString = 256

// decodeUser reads a User resource (POST, PUT, or a PATCHed resource) into
// u's attributes, keeping u's server-side fields. Read-only attributes
// (id, meta, groups) are ignored; unknown attributes and extensions too.
// Returns scim_invalid_value naming the first bad attribute.
func decodeUser(res map[string]any, u SCIMUser) (SCIMUser, error) {
	v := Validation{}
	raw, _ := get(res, "userName")
	name := scimString(raw, "userName", &v)
	email, why := NormalizeEmail(name)
	if name == "" {
		v.Add("userName", "is required")
	} else if why != "" {
		v.Add("userName", "must be an email address: %s", why)
	}
	u.UserName = email
	raw, _ = get(res, "externalId")
	u.ExternalID = scimString(raw, "externalId", &v)
	u.Active = true
	if raw, ok := get(res, "active"); ok && raw != nil {
		b, ok := scimBool(raw)
		if !ok {
			v.Add("active", "must be a boolean")
		}
		u.Active = b
	}
	raw, _ = get(res, "displayName")
	u.DisplayName = scimString(raw, "displayName", &v)
	u.Name = SCIMName{}
	if raw, ok := get(res, "name"); ok && raw != nil {
		obj, ok := raw.(map[string]any)
		if !ok {
			v.Add("name", "must be an object")
		}
		for field, dst := range map[string]*string{"formatted": &u.Name.Formatted, "familyName": &u.Name.FamilyName,
			"givenName": &u.Name.GivenName, "middleName": &u.Name.MiddleName} {
			x, _ := get(obj, field)
			*dst = scimString(x, "name."+field, &v)
		}
	}
	u.Emails = nil
	if raw, ok := get(res, "emails"); ok && raw != nil {
		list, ok := raw.([]any)
		if !ok {
			v.Add("emails", "must be an array")
		}
		for _, e := range list {
			obj, ok := e.(map[string]any)
			if !ok {
				v.Add("emails", "must be an array of objects")
				break
			}
			x, _ := get(obj, "value")
			t, _ := get(obj, "type")
			p, _ := get(obj, "primary")
			em := SCIMEmail{Value: scimString(x, "emails.value", &v), Type: scimString(t, "emails.type", &v)}
			em.Primary, _ = scimBool(p)
			if em.Value != "" {
				u.Emails = append(u.Emails, em)
			}
		}
	}
	for _, s := range []string{u.ExternalID, u.DisplayName, u.Name.Formatted, u.Name.GivenName, u.Name.FamilyName, u.Name.MiddleName} {
		if len(s) > maxSCIMString {
			v.Add("name", "attributes are at most %d characters", maxSCIMString)
			break
		}
	}
	if len(u.Emails) > 10 {
		v.Add("emails", "at most 10 addresses")
	}
	if err := v.Err(); err != nil {
		return u, scimValidation(err)
	}
	return u, nil
}

// scimValidation turns a validation_failed error into scim_invalid_value
// with the fields in its message.
func scimValidation(err error) error {
	e, ok := err.(*Error)
	if !ok || e.Code != ECodeValidationFailed {
		return err
	}
	var parts []string
	for _, f := range e.Fields {
		parts = append(parts, f.Field+" "+f.Message)
	}
	return &Error{Code: ECodeScimInvalidValue, Message: strings.Join(parts, "; "), Fields: e.Fields}
}

// userJSON is u's client-settable attributes as a resource map, for PATCH.
func userJSON(u SCIMUser) map[string]any {
	b, _ := json.Marshal(userResource(SCIMCaller{}, u, nil))
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}
