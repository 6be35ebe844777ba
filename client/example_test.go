package client_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/members-saas/members/client"
)

// requireOwner is the README's example (kept compiling here): it lets a
// request through only when its caller owns the organization.
func requireOwner(membersURL string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		mc, err := client.New(membersURL, client.WithTokenSource(client.StaticToken(token)))
		if err != nil {
			http.Error(w, "misconfigured", http.StatusInternalServerError)
			return
		}
		me, err := mc.GetMe(r.Context())
		if client.IsCode(err, "unauthorized") {
			http.Error(w, "sign in first", http.StatusUnauthorized)
			return
		} else if err != nil { // a *client.Problem or a transport error
			http.Error(w, "try again", http.StatusBadGateway)
			return
		}
		for _, o := range me.Orgs {
			if o.Id == r.PathValue("orgId") && o.Role == client.OrgOwner {
				next.ServeHTTP(w, r)
				return
			}
		}
		http.Error(w, "owners only", http.StatusForbidden)
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
	_ = requireOwner
}
