package domain

import "strconv"

// Page is a validated page request.
type Page struct {
	Limit  int
	Cursor string
}

// ParsePage validates the limit and cursor query parameters (limit 1..100,
// default 50). Returns validation_failed.
func ParsePage(limit, cursor string) (Page, error) {
	p := Page{Limit: DefaultPageLimit, Cursor: cursor}
	v := Validation{}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 || n > MaxPageLimit {
			v.Add("limit", "must be a whole number from 1 to %d", MaxPageLimit)
		}
		p.Limit = n
	}
	return p, v.Err()
}

func (s *Service) nextCursor(scope, pos string) *string {
	if pos == "" {
		return nil
	}
	c := s.cursors.encode(scope, pos)
	return &c
}

// page runs one store page request for p in scope: it decodes the
// cursor (invalid_cursor for one not issued for scope), lists, and
// encodes the next cursor. items is never nil.
func page[T any](s *Service, scope string, p Page, list func(after string, limit int) ([]T, string, error)) ([]T, *string, error) {
	pos, err := s.cursors.decode(scope, p.Cursor)
	if err != nil {
		return nil, nil, err
	}
	items, next, err := list(pos, p.Limit)
	if err != nil {
		return nil, nil, storeErr(err)
	}
	if items == nil {
		items = []T{}
	}
	return items, s.nextCursor(scope, next), nil
}
