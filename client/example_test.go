package client_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/members-saas/members/client"
)

// The README's example, kept compiling here.
// requireProjectWrite lets a request to one of the product's projects
// through only when Members says its caller may work in that project:
// one GET /orgs/{orgId}/projects/{projectId}/access with the caller's token.
func requireProjectWrite(membersURL string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		mc, err := client.New(membersURL, client.WithTokenSource(client.StaticToken(token)))
		if err != nil {
			http.Error(w, "misconfigured", http.StatusInternalServerError)
			return
		}
		access, err := mc.GetProjectAccess(r.Context(), r.PathValue("orgId"), r.PathValue("projectId"))
		switch {
		case client.IsCode(err, "unauthorized"):
			http.Error(w, "sign in first", http.StatusUnauthorized)
		case client.IsCode(err, "org_not_found"), client.IsCode(err, "project_not_found"):
			http.NotFound(w, r) // no access: as if it did not exist
		case err != nil: // another *client.Problem, or a transport error
			http.Error(w, "try again", http.StatusBadGateway)
		case !client.Allows(access, client.PermProjectWrite): // e.g. a viewer
			http.Error(w, "read-only access", http.StatusForbidden)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func ExampleClient_Members() {
	mc, err := client.New("https://api.example.com", client.WithTokenSource(client.StaticToken("id-token")))
	if err != nil {
		return
	}
	for m, err := range mc.Members(context.Background(), "org_01kbf9w8wz4j2m6v0t8q3c5n7r", client.MemberListOptions{Email: "ada", PageOptions: client.PageOptions{Limit: 100}}) {
		if err != nil {
			return
		}
		fmt.Println(m.Email, m.Role)
	}
	_ = requireProjectWrite
}
