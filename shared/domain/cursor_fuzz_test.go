package domain

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// pagingStore is a Store of two organizations whose lists hand out
// positions tagged with the list they belong to, and fail the test's check
// when asked to continue from a position another list (or nobody) issued.
type pagingStore struct {
	Store // only the list methods below are called
	mu    sync.Mutex
	n     int
	bad   []string
}

func (p *pagingStore) GetMembership(_ context.Context, orgID, userID string) (Membership, error) {
	if orgID != "org_one" && orgID != "org_two" {
		return Membership{}, ErrNotFound
	}
	return Membership{OrgID: orgID, UserID: userID, Role: OrgOwner, Projects: map[string]ProjectRole{"prj_" + orgID[4:]: ProjectOwner}, Rev: 1}, nil
}

// next checks after against list and returns the next position of list.
func (p *pagingStore) next(list, after string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if after != "" && !strings.HasPrefix(after, list+"#") {
		p.bad = append(p.bad, list+" continued from "+after)
	}
	p.n++
	return list + "#" + strconv.Itoa(p.n)
}

func (p *pagingStore) ListMembers(_ context.Context, orgID, after string, _ int) ([]Member, string, error) {
	return []Member{{UserID: "u"}}, p.next("members/"+orgID, after), nil
}

func (p *pagingStore) ListProjectMembers(_ context.Context, orgID, projectID, after string, _ int) ([]Member, string, error) {
	return []Member{{UserID: "u"}}, p.next("project-members/"+orgID+"/"+projectID, after), nil
}

func (p *pagingStore) SearchMembers(_ context.Context, orgID, prefix, after string, _ int) ([]Member, string, error) {
	return []Member{{UserID: "u"}}, p.next("members-by-email/"+orgID+"/"+prefix, after), nil
}

func (p *pagingStore) SearchProjectMembers(_ context.Context, orgID, projectID, prefix, after string, _ int) ([]Member, string, error) {
	return []Member{{UserID: "u"}}, p.next("project-members-by-email/"+orgID+"/"+projectID+"/"+prefix, after), nil
}

func (p *pagingStore) ListAudit(_ context.Context, orgID, after string, _ int) ([]AuditEvent, string, error) {
	return []AuditEvent{{ID: "evt"}}, p.next("audit/"+orgID, after), nil
}

func (p *pagingStore) ListOpenInvites(_ context.Context, orgID, after string, limit int) ([]Invite, string, error) {
	var out []Invite
	for range limit {
		out = append(out, Invite{ID: p.next("invites/"+orgID, after), Status: InvitePending, ExpiresAt: time.Now().Add(time.Hour)})
	}
	return out, "", nil
}

// listCalls are the service's paged lists, each a different list.
var listCalls = []func(s *Service, cursor string) (*string, error){
	func(s *Service, c string) (*string, error) {
		p, err := s.ListMembers(context.Background(), Identity{UserID: "u1"}, "org_one", Page{Limit: 1, Cursor: c})
		return p.NextCursor, err
	},
	func(s *Service, c string) (*string, error) {
		p, err := s.ListMembers(context.Background(), Identity{UserID: "u1"}, "org_two", Page{Limit: 1, Cursor: c})
		return p.NextCursor, err
	},
	func(s *Service, c string) (*string, error) {
		p, err := s.ListProjectMembers(context.Background(), Identity{UserID: "u1"}, "org_one", "prj_one", Page{Limit: 1, Cursor: c})
		return p.NextCursor, err
	},
	func(s *Service, c string) (*string, error) {
		p, err := s.ListAudit(context.Background(), Identity{UserID: "u1"}, "org_one", Page{Limit: 1, Cursor: c})
		return p.NextCursor, err
	},
	func(s *Service, c string) (*string, error) {
		p, err := s.ListInvites(context.Background(), Identity{UserID: "u1"}, "org_one", FilterAll, Page{Limit: 1, Cursor: c})
		return p.NextCursor, err
	},
	func(s *Service, c string) (*string, error) {
		p, err := s.ListInvites(context.Background(), Identity{UserID: "u1"}, "org_one", FilterPending, Page{Limit: 1, Cursor: c})
		return p.NextCursor, err
	},
	// Member search: each prefix is a list of its own.
	func(s *Service, c string) (*string, error) {
		p, err := s.SearchMembers(context.Background(), Identity{UserID: "u1"}, "org_one", "ada", Page{Limit: 1, Cursor: c})
		return p.NextCursor, err
	},
	func(s *Service, c string) (*string, error) {
		p, err := s.SearchMembers(context.Background(), Identity{UserID: "u1"}, "org_one", "ad", Page{Limit: 1, Cursor: c})
		return p.NextCursor, err
	},
	func(s *Service, c string) (*string, error) {
		p, err := s.SearchProjectMembers(context.Background(), Identity{UserID: "u1"}, "org_one", "prj_one", "ada", Page{Limit: 1, Cursor: c})
		return p.NextCursor, err
	},
}

// FuzzListCursor drives every paged list of the service with arbitrary
// cursors, seeded with real cursors of every list: a cursor the service did
// not issue for that very list (garbled, truncated, forged, from another
// list, organization or key) is invalid_cursor, never another error, and
// never reaches the store; one it issued continues that list.
func FuzzListCursor(f *testing.F) {
	for _, key := range []string{"fuzz-key", "another-deployment"} {
		s := NewService(&pagingStore{}, nil, Config{CursorKey: []byte(key)})
		for i, call := range listCalls {
			next, err := call(s, "")
			if err != nil || next == nil {
				f.Fatalf("list %d: %v, %v", i, next, err)
			}
			for j := range listCalls {
				f.Add(uint8(j), *next)
				f.Add(uint8(j), (*next)[:len(*next)-1])
				f.Add(uint8(j), strings.Replace(*next, ".", "", 1))
			}
		}
	}
	f.Add(uint8(0), "garbage")
	f.Add(uint8(0), ".")
	f.Add(uint8(3), "bWVtYmVycy9vcmdfb25lIzE.AAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, list uint8, cursor string) {
		st := &pagingStore{}
		s := NewService(st, nil, Config{CursorKey: []byte("fuzz-key")})
		_, err := listCalls[int(list)%len(listCalls)](s, cursor)
		if err != nil && ErrorCode(err) != ECodeInvalidCursor {
			t.Fatalf("cursor %q: %v, want invalid_cursor or a page", cursor, err)
		}
		if err != nil && !namesCursorField(err) {
			t.Fatalf("cursor %q: %v has no field", cursor, err)
		}
		if len(st.bad) > 0 {
			t.Fatalf("cursor %q: %v", cursor, st.bad)
		}
	})
}

// namesCursorField reports whether err is a field-level error naming the
// cursor.
func namesCursorField(err error) bool {
	e, ok := err.(*Error)
	return ok && len(e.Fields) == 1 && e.Fields[0].Field == "cursor"
}
