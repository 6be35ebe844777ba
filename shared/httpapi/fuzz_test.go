package httpapi

// Fuzz targets and table tests for request decoding: bodyOf (size, base64,
// media type) and decode of every body type the routes take. `go test`
// runs the seeds; `make fuzz` explores each target for FUZZTIME.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/members-saas/members/shared/domain"
)

// bodyTypes returns a fresh value of every body type an operation decodes,
// with the wire names of its fields.
func bodyTypes() map[string]struct {
	v      any
	fields []string
} {
	type body = struct {
		v      any
		fields []string
	}
	return map[string]body{
		"name":   {&nameBody{}, []string{"name"}},
		"token":  {&tokenBody{}, []string{"token"}},
		"role":   {&domain.RoleChange{}, []string{"role", "accessExpiresAt"}},
		"invite": {&domain.InviteInput{}, []string{"emails", "orgRole", "projectIds", "projectRole", "expiresInDays"}},
		"empty":  {&struct{}{}, nil},
	}
}

// clientCodes are the only codes request decoding may produce.
var clientCodes = map[domain.Code]bool{domain.ECodeInvalidRequest: true, domain.ECodeValidationFailed: true,
	CodePayloadTooLarge: true, CodeUnsupportedMediaType: true}

func checkClientError(t *testing.T, what string, err error) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || !clientCodes[de.Code] {
		t.Fatalf("%s: %v: want an invalid_request, validation_failed, payload_too_large or unsupported_media_type error", what, err)
	}
	if p := ProblemOf(err); p.Status < 400 || p.Status >= 500 || p.Detail == "" {
		t.Fatalf("%s: problem %+v: want a 4xx with a detail", what, p)
	}
	if de.Code == domain.ECodeValidationFailed && len(de.Fields) == 0 {
		t.Fatalf("%s: validation_failed without fields", what)
	}
}

func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{
		`{"name":"Acme"}`, `{"token":"abc"}`, `{"role":"owner"}`, `{}`, ``, `   `, `null`, `[]`, `"x"`, `1`,
		`{"name":1}`, `{"name":null}`, `{"Name":"x"}`, `{"name":"a","name":"b"}`, `{"name":"x"} {}`, `{"name":"x"}x`,
		`{"name":"x"`, `{"nope":1}`, `{"emails":["a@b.co"],"orgRole":"user","projectIds":["prj_1"],"projectRole":"member","expiresInDays":7}`,
		`{"emails":"a@b.co"}`, `{"expiresInDays":1.5}`, `{"expiresInDays":99999999999999999999}`, `{"emails":[1]}`,
		"{\"name\":\"\xff\"}", `{"name":"\ud800"}`, strings.Repeat("[", 10000), `{"a":` + strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat("}", 101),
	} {
		f.Add([]byte(s), "application/json", false)
	}
	f.Add([]byte(base64.StdEncoding.EncodeToString([]byte(`{"name":"Acme"}`))), "", true)
	f.Add([]byte("not base64!"), "", true)
	f.Add([]byte(`{"name":"Acme"}`), "text/plain", false)
	f.Add([]byte(`{"name":"Acme"}`), "application/problem+json; charset=utf-8", false)
	f.Add([]byte(`{"name":"Acme"}`), "application/json; =", false)
	f.Fuzz(func(t *testing.T, body []byte, contentType string, b64 bool) {
		ev := events.APIGatewayV2HTTPRequest{Body: string(body), IsBase64Encoded: b64}
		if contentType != "" {
			ev.Headers = map[string]string{"content-type": contentType}
		}
		raw, err := bodyOf(ev)
		if err != nil {
			checkClientError(t, "bodyOf", err)
			return
		}
		if len(raw) > MaxBodyBytes {
			t.Fatalf("bodyOf accepted %d bytes, over %d", len(raw), MaxBodyBytes)
		}
		r := &request{ev: ev, body: raw}
		for name, bt := range bodyTypes() {
			if err := decodeOptional(r, bt.v); err != nil {
				checkClientError(t, "decodeOptional "+name, err)
			} else if len(bytes.TrimSpace(raw)) == 0 && !reflect.ValueOf(bt.v).Elem().IsZero() {
				t.Fatalf("%s: an empty body filled in %+v", name, bt.v)
			}
			bt = bodyTypes()[name]
			if err := decode(r, bt.v); err != nil {
				checkClientError(t, "decode "+name, err)
				continue
			}
			checkDecoded(t, name, raw, bt.v, bt.fields)
		}
	})
}

// checkDecoded fails unless raw, accepted into v, is one JSON object whose
// keys all name fields of v, and v survives a round trip.
func checkDecoded(t *testing.T, name string, raw []byte, v any, fields []string) {
	t.Helper()
	if !json.Valid(raw) {
		t.Fatalf("%s: accepted invalid JSON %q", name, raw)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		t.Fatalf("%s: accepted %q, which is not a JSON object", name, raw)
	}
	for k := range obj {
		known := false
		for _, f := range fields {
			known = known || strings.EqualFold(k, f) // encoding/json matches names case-insensitively
		}
		if !known {
			t.Fatalf("%s: accepted unknown field %q in %q", name, k, raw)
		}
	}
	again, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: re-encode %+v: %v", name, v, err)
	}
	fresh := reflect.New(reflect.TypeOf(v).Elem()).Interface()
	if err := decode(&request{body: again}, fresh); err != nil || !reflect.DeepEqual(fresh, v) {
		t.Fatalf("%s: round trip of %q gave %+v (%v), want %+v", name, again, fresh, err, v)
	}
}

func TestBodyOfCases(t *testing.T) {
	big := strings.Repeat(" ", MaxBodyBytes) + "{}"
	for _, tc := range []struct {
		name string
		ev   events.APIGatewayV2HTTPRequest
		code domain.Code // "": accepted
	}{
		{"json", events.APIGatewayV2HTTPRequest{Body: `{}`, Headers: map[string]string{"Content-Type": "application/json"}}, ""},
		{"no content type", events.APIGatewayV2HTTPRequest{Body: `{}`}, ""},
		{"+json suffix", events.APIGatewayV2HTTPRequest{Body: `{}`, Headers: map[string]string{"content-type": "application/merge-patch+json"}}, ""},
		{"text", events.APIGatewayV2HTTPRequest{Body: `{}`, Headers: map[string]string{"content-type": "text/plain"}}, CodeUnsupportedMediaType},
		{"malformed media type", events.APIGatewayV2HTTPRequest{Body: `{}`, Headers: map[string]string{"content-type": "application/json; ="}}, CodeUnsupportedMediaType},
		{"empty body, any type", events.APIGatewayV2HTTPRequest{Body: ``, Headers: map[string]string{"content-type": "text/plain"}}, ""},
		{"base64", events.APIGatewayV2HTTPRequest{Body: base64.StdEncoding.EncodeToString([]byte(`{}`)), IsBase64Encoded: true}, ""},
		{"bad base64", events.APIGatewayV2HTTPRequest{Body: `{}`, IsBase64Encoded: true}, domain.ECodeInvalidRequest},
		{"64 KiB", events.APIGatewayV2HTTPRequest{Body: big[2:]}, ""},
		{"over 64 KiB", events.APIGatewayV2HTTPRequest{Body: big}, CodePayloadTooLarge},
		{"over 64 KiB as base64", events.APIGatewayV2HTTPRequest{Body: base64.StdEncoding.EncodeToString([]byte(big)), IsBase64Encoded: true}, CodePayloadTooLarge},
	} {
		_, err := bodyOf(tc.ev)
		if got := codeOf(err); got != tc.code {
			t.Errorf("%s: code %q (%v), want %q", tc.name, got, err, tc.code)
		}
	}
}

func codeOf(err error) domain.Code {
	if err == nil {
		return ""
	}
	return domain.ErrorCode(err)
}

func TestDecodeCases(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		code       domain.Code
		field      string
	}{
		{"object", `{"name":"Acme"}`, "", ""},
		{"empty", ``, domain.ECodeInvalidRequest, ""},
		{"not JSON", `{"name":`, domain.ECodeInvalidRequest, ""},
		{"array", `[]`, domain.ECodeInvalidRequest, ""},
		{"null", `null`, domain.ECodeInvalidRequest, ""}, // a body must be a JSON object
		{"unknown field", `{"name":"a","extra":1}`, domain.ECodeInvalidRequest, ""},
		{"trailing value", `{"name":"a"}{}`, domain.ECodeInvalidRequest, ""},
		{"trailing garbage", `{"name":"a"} x`, domain.ECodeInvalidRequest, ""},
		{"wrong type", `{"name":1}`, domain.ECodeValidationFailed, "name"},
	} {
		var b nameBody
		err := decode(&request{body: []byte(tc.body)}, &b)
		if got := codeOf(err); got != tc.code {
			t.Errorf("%s: code %q (%v), want %q", tc.name, got, err, tc.code)
			continue
		}
		var de *domain.Error
		if tc.field != "" && (!errors.As(err, &de) || len(de.Fields) != 1 || de.Fields[0].Field != tc.field) {
			t.Errorf("%s: %v, want a field error on %q", tc.name, err, tc.field)
		}
	}
	var in domain.InviteInput
	err := decode(&request{body: []byte(`{"emails":["a@b.co"],"orgRole":"user","projectIds":["prj_1"],"projectRole":"member","expiresInDays":3}`)}, &in)
	if err != nil || len(in.Emails) != 1 || in.ExpiresInDays == nil || *in.ExpiresInDays != 3 || in.ProjectRole != "member" {
		t.Errorf("invite body: %+v, %v", in, err)
	}
	for _, body := range []string{`{"emails":"a@b.co"}`, `{"emails":[1]}`, `{"expiresInDays":1.5}`, `{"expiresInDays":"7"}`} {
		var in domain.InviteInput
		if err := decode(&request{body: []byte(body)}, &in); codeOf(err) != domain.ECodeValidationFailed {
			t.Errorf("%s: %v, want validation_failed", body, err)
		}
	}
	var none struct{}
	if err := decodeOptional(&request{}, &none); err != nil {
		t.Errorf("decodeOptional of no body: %v", err)
	}
	if err := decodeOptional(&request{body: []byte(`{"x":1}`)}, &none); codeOf(err) != domain.ECodeInvalidRequest {
		t.Errorf("decodeOptional with an unknown field: %v", err)
	}
}
