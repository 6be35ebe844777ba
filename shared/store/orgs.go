package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/shared/domain"
)

// ListProjects returns every project of an organization, by id.
func (st *Store) ListProjects(ctx context.Context, orgID string) ([]domain.Project, error) {
	items, err := st.queryAll(ctx, st.beginsWith(orgPK(orgID), preProject))
	if err != nil {
		return nil, err
	}
	out := make([]domain.Project, 0, len(items))
	for _, raw := range items {
		var it projectItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, err
		}
		out = append(out, domain.Project{ID: it.ProjectID, OrgID: it.OrgID, Name: it.Name, CreatedAt: it.CreatedAt})
	}
	return out, nil
}

// ListProjectsOfOrgs returns the projects (id, organization and name; no
// creation time) of each organization in orgIDs, by id. It reads the
// organizations' project catalogs (pk ORG#<orgId>, sk PROJECTS) in one
// BatchGetItem per 100, so GET /me costs the same few calls for an owner
// of 50 organizations as of one. An organization whose catalog is not
// complete (made before catalogs and not yet backfilled:
// BackfillProjectCatalogs) is read with ListProjects instead. Returns
// classified DynamoDB errors.
func (st *Store) ListProjectsOfOrgs(ctx context.Context, orgIDs []string) (map[string][]domain.Project, error) {
	keys := make([]key, 0, len(orgIDs))
	for _, id := range orgIDs {
		keys = append(keys, key{orgPK(id), skCatalog})
	}
	items, err := st.getMany(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]domain.Project, len(orgIDs))
	for _, id := range orgIDs {
		raw := items[key{orgPK(id), skCatalog}]
		if done, _ := raw[catalogComplete].(*types.AttributeValueMemberBOOL); done == nil || !done.Value {
			ps, err := st.ListProjects(ctx, id)
			if err != nil {
				return nil, err
			}
			out[id] = ps
			continue
		}
		ps := []domain.Project{}
		for a, v := range raw {
			pid, ok := strings.CutPrefix(a, catalogPrefix)
			name, isS := v.(*types.AttributeValueMemberS)
			if ok && isS {
				ps = append(ps, domain.Project{ID: pid, OrgID: id, Name: name.Value})
			}
		}
		slices.SortFunc(ps, func(a, b domain.Project) int { return strings.Compare(a.ID, b.ID) })
		out[id] = ps
	}
	return out, nil
}

// BackfillProjectCatalogs completes the project catalog of every
// organization made before catalogs existed: it scans the table (an admin
// task, never a request path) for project items and sets each one's name
// in its organization's catalog, then marks the catalog of every
// organization complete. A project created meanwhile writes its own entry,
// so it is safe while the service runs, and safe to run again. It returns
// how many catalogs it completed.
func BackfillProjectCatalogs(ctx context.Context, db interface {
	dynamodb.ScanAPIClient
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}, table string) (int, error) {
	setName := func(orgID, projectID, name string) error {
		_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &table, Key: keyOf(orgPK(orgID), skCatalog),
			UpdateExpression:          aws.String("SET #p = if_not_exists(#p, :name), orgId = :org, #type = :type"),
			ExpressionAttributeNames:  map[string]string{"#p": catalogAttr(projectID), "#type": "type"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":name": s(name), ":org": s(orgID), ":type": s("projectCatalog")}})
		return classify(err, nil)
	}
	// One scan of the organizations' META items (every organization) and
	// project items (each name goes into its catalog as it is read).
	var orgs []string
	if _, err := backfill(ctx, db, &dynamodb.ScanInput{TableName: &table,
		FilterExpression:          aws.String("begins_with(pk, :org) AND (sk = :meta OR begins_with(sk, :p))"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":org": s("ORG#"), ":meta": s(skMeta), ":p": s(preProject)},
		ProjectionExpression:      aws.String("sk, orgId, projectId, #n"),
		ExpressionAttributeNames:  map[string]string{"#n": "name"},
	}, func(raw map[string]types.AttributeValue) (bool, error) {
		var it projectItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return false, err
		}
		switch {
		case it.OrgID == "":
		case it.SK == skMeta:
			orgs = append(orgs, it.OrgID)
		case it.ProjectID != "":
			return false, setName(it.OrgID, it.ProjectID, it.Name)
		}
		return false, nil
	}); err != nil {
		return 0, err
	}
	n := 0
	for _, org := range orgs {
		_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &table, Key: keyOf(orgPK(org), skCatalog),
			UpdateExpression:          aws.String("SET #c = :t, orgId = :org, #type = :type"),
			ConditionExpression:       aws.String("attribute_not_exists(#c) OR #c = :f"),
			ExpressionAttributeNames:  map[string]string{"#c": catalogComplete, "#type": "type"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberBOOL{Value: true}, ":f": &types.AttributeValueMemberBOOL{Value: false}, ":org": s(org), ":type": s("projectCatalog")}})
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) { // complete already
			continue
		}
		if err != nil {
			return n, classify(err, nil)
		}
		n++
	}
	return n, nil
}

// GetProjects returns the projects among ids that exist in the organization.
func (st *Store) GetProjects(ctx context.Context, orgID string, ids []string) (map[string]domain.Project, error) {
	keys := make([]key, 0, len(ids))
	for _, id := range ids {
		keys = append(keys, key{orgPK(orgID), projectSK(id)})
	}
	items, err := st.getMany(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := map[string]domain.Project{}
	for _, raw := range items {
		var it projectItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, err
		}
		out[it.ProjectID] = domain.Project{ID: it.ProjectID, OrgID: it.OrgID, Name: it.Name, CreatedAt: it.CreatedAt}
	}
	return out, nil
}

// GetMembership reads a membership consistently. Returns domain.ErrNotFound.
func (st *Store) GetMembership(ctx context.Context, orgID, userID string) (domain.Membership, error) {
	var it memberItem
	if err := st.get(ctx, orgPK(orgID), memberSK(userID), &it); err != nil {
		return domain.Membership{}, err
	}
	return it.domain(), nil
}

// ApplyChange writes a membership change in one transaction: the
// organization member item (conditioned on its revision), the project
// member items that differ, the owner count (conditioned to stay above
// zero), and whatever rides along (new organization or project, accepted
// invite, audit events). Returns domain.ErrConflict, domain.ErrExists,
// domain.ErrLastOwner.
func (st *Store) ApplyChange(ctx context.Context, c domain.Change) error {
	b := c.Before
	orgID, userID := b.OrgID, b.UserID
	t := &tx{}
	t.charge(st.table, c.Charge)
	wasOwner := b.Exists() && b.Role == domain.OrgOwner
	isOwner := c.After != nil && c.After.Role == domain.OrgOwner

	if c.CreateOrg != nil {
		o := c.CreateOrg
		owners := 0
		if isOwner {
			owners = 1
		}
		t.put(st.table, orgItem{key: key{orgPK(o.ID), skMeta}, Type: "org", OrgID: o.ID, Name: o.Name,
			CreatedAt: o.CreatedAt, CreatedBy: o.CreatedBy, Owners: owners}, condNew, nil, nil, domain.ErrExists)
		// The project catalog starts complete: the organization has no
		// project yet, or only the one created with it.
		cat := map[string]types.AttributeValue{AttrPK: s(orgPK(o.ID)), AttrSK: s(skCatalog), "type": s("projectCatalog"),
			"orgId": s(o.ID), catalogComplete: &types.AttributeValueMemberBOOL{Value: true}}
		if p := c.CreateProject; p != nil {
			cat[catalogAttr(p.ID)] = s(p.Name)
		}
		t.putRaw(st.table, cat, condNew, domain.ErrExists)
		t.put(st.table, newSeats(o.ID), condNew, nil, nil, domain.ErrExists)
	} else if wasOwner != isOwner {
		if isOwner {
			t.update(st.table, orgPK(orgID), skMeta, "SET owners = owners + :one", "attribute_exists(pk)", nil,
				map[string]types.AttributeValue{":one": n(1)}, domain.ErrConflict)
		} else {
			t.update(st.table, orgPK(orgID), skMeta, "SET owners = owners - :one", "owners > :one", nil,
				map[string]types.AttributeValue{":one": n(1)}, domain.ErrLastOwner)
		}
	}
	if c.CreateProject != nil {
		p := c.CreateProject
		t.put(st.table, projectItem{key: key{orgPK(orgID), projectSK(p.ID)}, Type: "project", OrgID: orgID,
			ProjectID: p.ID, Name: p.Name, CreatedAt: p.CreatedAt}, condNew, nil, nil, domain.ErrExists)
		if c.CreateOrg == nil { // else it is in the new catalog already
			t.update(st.table, orgPK(orgID), skCatalog, "SET #p = :name, orgId = :org, #type = :type", "",
				map[string]string{"#p": catalogAttr(p.ID), "#type": "type"},
				map[string]types.AttributeValue{":name": s(p.Name), ":org": s(orgID), ":type": s("projectCatalog")}, nil)
		}
	}

	// Seats: a new member takes one (on condition the limit allows it),
	// a removed member frees theirs; an accepted invite that held a seat
	// gives it to the member.
	held := c.AcceptInvite != nil && c.AcceptInvite.HoldsSeat
	if held {
		t.seat(st.table, orgID, 0, -1, seatFree)
	}
	switch {
	case c.CreateOrg != nil: // its counter starts with this member
	case c.After != nil && !b.Exists() && held:
		t.seat(st.table, orgID, 1, 0, seatJoinHeld)
	case c.After != nil && !b.Exists():
		t.seat(st.table, orgID, 1, 0, seatJoin)
	case c.After == nil && b.Exists():
		t.seat(st.table, orgID, -1, 0, seatFree)
	}

	// A change without a member (a directory write alone) has only riders.
	if userID != "" {
		revCond := map[string]types.AttributeValue{":rev": n(b.Rev)}
		switch {
		case c.After == nil:
			t.del(st.table, orgPK(orgID), memberSK(userID), "rev = :rev", nil, revCond, domain.ErrConflict)
		case !b.Exists():
			t.put(st.table, toMemberItem(*c.After, 1), condNew, nil, nil, domain.ErrConflict)
		default:
			t.put(st.table, toMemberItem(*c.After, b.Rev+1), "rev = :rev", nil, revCond, domain.ErrConflict)
		}

		var after map[string]domain.ProjectRole
		if c.After != nil {
			after = c.After.Projects
		}
		for _, pid := range projectUnion(b.Projects, after) {
			was, had := b.Projects[pid]
			now, has := after[pid]
			switch {
			case had && !has:
				t.del(st.table, projectPK(pid), memberSK(userID), "", nil, nil, nil)
			case !had && has:
				a := c.After
				t.put(st.table, projectMemberItem{key: key{projectPK(pid), memberSK(userID)}, GSI1PK: userGSI(userID),
					GSI1SK: projectGSI(orgID, pid), GSI2PK: projectPK(pid), GSI2SK: byEmailSK(a.Email, userID), Type: "projectMember", OrgID: orgID, ProjectID: pid,
					ProjectName: c.ProjectNames[pid], UserID: userID, Email: a.Email, Role: string(now), JoinedAt: c.Now,
					AccessExpiresAt: timePtr(a.ProjectExpiresAt(pid)), ManagedBy: a.ManagedBy},
					"", nil, nil, nil)
			default:
				endWas, end := b.ProjectExpiresAt(pid), c.After.ProjectExpiresAt(pid)
				if was == now && endWas.Equal(end) && b.ManagedBy == c.After.ManagedBy {
					continue
				}
				expr, vals := "SET #role = :role", map[string]types.AttributeValue{":role": s(string(now))}
				var remove []string
				if end.IsZero() {
					remove = append(remove, "accessExpiresAt")
				} else {
					expr += ", accessExpiresAt = :end"
					vals[":end"] = s(end.UTC().Format(time.RFC3339Nano))
				}
				if c.After.ManagedBy == "" {
					remove = append(remove, "managedBy")
				} else {
					expr += ", managedBy = :mb"
					vals[":mb"] = s(c.After.ManagedBy)
				}
				if len(remove) > 0 {
					expr += " REMOVE " + strings.Join(remove, ", ")
				}
				t.update(st.table, projectPK(pid), memberSK(userID), expr, "attribute_exists(pk)",
					map[string]string{"#role": "role"}, vals, domain.ErrConflict)
			}
		}
	}
	if w := c.SCIMUser; w != nil {
		st.scimUserTx(t, *w)
	}
	st.scimGroupMembersTx(t, orgID, c.SCIMGroupMembers, c.SCIMGroupRevs, c.Now)
	for _, gid := range slices.Sorted(maps.Keys(c.SCIMGroupRevs)) {
		if slices.ContainsFunc(c.SCIMGroupMembers, func(w domain.SCIMGroupMemberWrite) bool { return w.GroupID == gid }) {
			continue // written in this transaction already (one write per item)
		}
		t.checkWith(st.table, orgPK(orgID), scimGroupSK(gid), "rev = :rev", nil, map[string]types.AttributeValue{":rev": n(c.SCIMGroupRevs[gid])}, domain.ErrConflict)
	}

	if inv := c.AcceptInvite; inv != nil {
		rp := map[string]types.AttributeValue{}
		for k, v := range inv.ResultProjects {
			rp[k] = s(string(v))
		}
		set := "SET #st = :acc, acceptedBy = :by, acceptedAt = :now, resultOrgRole = :role"
		vals := map[string]types.AttributeValue{":acc": s(string(domain.InviteAccepted)), ":pending": s(string(domain.InvitePending)),
			":by": s(inv.AcceptedBy), ":now": s(c.Now.UTC().Format(time.RFC3339Nano)), ":nowMs": n(c.Now.UnixMilli()),
			":role": s(string(inv.ResultOrgRole)), ":h": s(inv.TokenHash)}
		if len(rp) > 0 { // empty maps are not stored (some emulators mangle them)
			set += ", resultProjects = :rp"
			vals[":rp"] = &types.AttributeValueMemberM{Value: rp}
		}
		t.update(st.table, orgPK(inv.OrgID), inviteSK(inv.ID), set+unindexInvite,
			"#st = :pending AND tokenHash = :h AND expiresMs > :nowMs AND "+revCondition(inv.Rev, vals)+" AND "+seatHeld(inv.HoldsSeat, vals),
			map[string]string{"#st": "status"}, vals, domain.ErrConflict)
		t.del(st.table, orgPK(inv.OrgID), openSK(inv.Email), "attribute_not_exists(pk) OR inviteId = :id", nil,
			map[string]types.AttributeValue{":id": s(inv.ID)}, domain.ErrConflict)
	}
	if l := c.UseLink; l != nil {
		t.useLink(st.table, l, c.Now)
	}
	if u := c.Register; u != nil {
		// Register the user in the same transaction: create the profile or
		// keep it when it has this email, and claim the email.
		t.update(st.table, userPK(u.ID), skProfile,
			"SET userId = :u, email = :e, #type = :type, createdAt = if_not_exists(createdAt, :at)",
			"attribute_not_exists(pk) OR email = :e", map[string]string{"#type": "type"},
			map[string]types.AttributeValue{":u": s(u.ID), ":e": s(u.Email), ":type": s("user"),
				":at": s(u.CreatedAt.UTC().Format(time.RFC3339Nano))}, domain.ErrConflict)
		t.put(st.table, emailItem{key: key{emailPK(u.Email), skUser}, Type: "email", UserID: u.ID},
			"attribute_not_exists(pk) OR userId = :u", nil, map[string]types.AttributeValue{":u": s(u.ID)}, domain.ErrExists)
		st.noneWaits(t, u.Email) // domain.ErrProvisioned: the caller registers and links first
	}
	if d := c.JoinDomain; d != nil {
		t.domainUnchanged(st.table, *d)
	}
	if r := c.AnswerJoin; r != nil {
		t.answerJoin(st.table, *r)
	}
	for _, ev := range c.Audit {
		it := toAuditItem(ev)
		it.TargetEmail = changeTargetEmail(c, ev)
		t.put(st.table, it, condNew, nil, nil, domain.ErrConflict)
	}
	// Revocations ride along while the transaction has room (four items
	// each); the rest follow it.
	later := c.Revoke
	for len(later) > 0 && len(t.items)+revokeItems+seatItems <= maxTxItems {
		st.revoke(t, later[0].Invite)
		t.put(st.table, toAuditItem(later[0].Audit), condNew, nil, nil, domain.ErrConflict)
		later = later[1:]
	}
	if err := t.run(ctx, st.db); err != nil {
		return err
	}
	for _, r := range later {
		// Accepted or changed meanwhile: no longer this revocation's invite.
		if err := st.RevokeInvite(ctx, r.Invite, r.Audit); err != nil && !errors.Is(err, domain.ErrConflict) {
			return err
		}
	}
	return nil
}

// maxTxItems is DynamoDB's limit of items in one transaction; revokeItems
// is what one revocation with its audit event takes.
// seatItems is room kept for the seat counter's update.
const maxTxItems, revokeItems, seatItems = 100, 4, 1

// revCondition is the condition that an invite item still has revision
// rev (items never edited have none), adding its value to vals.
func revCondition(rev int64, vals map[string]types.AttributeValue) string {
	if rev == 0 {
		return "attribute_not_exists(rev)"
	}
	vals[":irev"] = n(rev)
	return "rev = :irev"
}

// changeTargetEmail is the address of whom audit event ev of change c is
// about: the member whose access changed, or the invitee of the accepted
// invite; "" for organizations and projects.
func changeTargetEmail(c domain.Change, ev domain.AuditEvent) string {
	switch {
	case ev.Target == c.Before.UserID && c.After != nil:
		return c.After.Email
	case ev.Target == c.Before.UserID:
		return c.Before.Email
	case c.AcceptInvite != nil && ev.Target == c.AcceptInvite.ID:
		return c.AcceptInvite.Email
	}
	return ""
}

func projectUnion(a, b map[string]domain.ProjectRole) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func memberRow(raw map[string]types.AttributeValue) (domain.Member, error) {
	var it struct {
		UserID   string `dynamodbav:"userId"`
		Email    string `dynamodbav:"email"`
		Role     string `dynamodbav:"role"`
		JoinedAt string `dynamodbav:"joinedAt"`
		// Absent from gsi2 (its projection predates expiry): search rows
		// carry no end.
		AccessExpiresAt *time.Time `dynamodbav:"accessExpiresAt"`
		ManagedBy       string     `dynamodbav:"managedBy"`
	}
	if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
		return domain.Member{}, err
	}
	m := domain.Member{UserID: it.UserID, Email: it.Email, Role: string(orgRole(it.Role)), // project roles pass unchanged
		AccessExpiresAt: it.AccessExpiresAt, ManagedByDirectory: it.ManagedBy != ""}
	if err := m.JoinedAt.UnmarshalText([]byte(it.JoinedAt)); err != nil {
		return domain.Member{}, fmt.Errorf("joinedAt: %w", err)
	}
	return m, nil
}

func (st *Store) listMembers(ctx context.Context, pk, after string, limit int) ([]domain.Member, string, error) {
	in := st.beginsWith(pk, preMember)
	in.ProjectionExpression = aws.String("userId, email, #role, joinedAt, accessExpiresAt, managedBy")
	in.ExpressionAttributeNames = map[string]string{"#role": "role"}
	var start map[string]types.AttributeValue
	if after != "" {
		start = keyOf(pk, memberSK(after))
		// The cursor also bounds the key condition, not only the start
		// key: DynamoDB reads the same items either way, and DynamoDB
		// Local then seeks to the cursor instead of walking the
		// partition's members up to it.
		in.KeyConditionExpression = aws.String("pk = :pk AND sk BETWEEN :from AND :to")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":pk": s(pk),
			":from": s(memberSK(after)), ":to": s(preMember + "\uffff")}
	}
	return st.memberPage(ctx, in, start, limit, func(m domain.Member) string { return m.UserID })
}

// memberPage runs a member list query for one page and returns the
// members and the next page's position (pos of the last member; "" at the end).
func (st *Store) memberPage(ctx context.Context, in *dynamodb.QueryInput, start map[string]types.AttributeValue, limit int, pos func(domain.Member) string) ([]domain.Member, string, error) {
	items, more, err := st.queryPage(ctx, in, start, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]domain.Member, 0, len(items))
	for _, raw := range items {
		m, err := memberRow(raw)
		if err != nil {
			return nil, "", err
		}
		out = append(out, m)
	}
	next := ""
	if more && len(out) > 0 {
		next = pos(out[len(out)-1])
	}
	return out, next, nil
}

// ListMembers pages through an organization's members by user id.
func (st *Store) ListMembers(ctx context.Context, orgID, after string, limit int) ([]domain.Member, string, error) {
	return st.listMembers(ctx, orgPK(orgID), after, limit)
}

// ListProjectMembers pages through a project's members by user id.
func (st *Store) ListProjectMembers(ctx context.Context, orgID, projectID, after string, limit int) ([]domain.Member, string, error) {
	return st.listMembers(ctx, projectPK(projectID), after, limit)
}

// ListUserMemberships reads a user's memberships from gsi1 (eventually
// consistent: for display only, never for decisions).
func (st *Store) ListUserMemberships(ctx context.Context, userID string) ([]domain.OrgMembership, []domain.ProjectMembership, error) {
	items, err := st.userIndex(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	return membershipsOf(items)
}

// userIndex reads the user's gsi1 partition: memberships and join requests.
func (st *Store) userIndex(ctx context.Context, userID string) ([]map[string]types.AttributeValue, error) {
	return st.queryAll(ctx, &dynamodb.QueryInput{
		TableName: &st.table, IndexName: aws.String(IndexGSI1),
		KeyConditionExpression:    aws.String("gsi1pk = :u"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":u": s(userGSI(userID))},
	})
}

// membershipsOf decodes the membership items of a user's gsi1 partition,
// skipping the others (join requests).
func membershipsOf(items []map[string]types.AttributeValue) ([]domain.OrgMembership, []domain.ProjectMembership, error) {
	var orgs []domain.OrgMembership
	var projects []domain.ProjectMembership
	for _, raw := range items {
		var it struct {
			GSI1SK      string `dynamodbav:"gsi1sk"`
			OrgID       string `dynamodbav:"orgId"`
			OrgName     string `dynamodbav:"orgName"`
			ProjectID   string `dynamodbav:"projectId"`
			ProjectName string `dynamodbav:"projectName"`
			Role        string `dynamodbav:"role"`
			// AccessExpiresAt is the membership's end (organization item)
			// or the project role's (project item).
			AccessExpiresAt *time.Time `dynamodbav:"accessExpiresAt"`
		}
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, nil, err
		}
		switch {
		case strings.HasPrefix(it.GSI1SK, preOrgGSI):
			orgs = append(orgs, domain.OrgMembership{OrgID: it.OrgID, OrgName: it.OrgName, Role: orgRole(it.Role),
				AccessExpiresAt: timeOf(it.AccessExpiresAt)})
		case strings.HasPrefix(it.GSI1SK, preProject):
			projects = append(projects, domain.ProjectMembership{OrgID: it.OrgID, ProjectID: it.ProjectID,
				ProjectName: it.ProjectName, Role: domain.ProjectRole(it.Role), AccessExpiresAt: timeOf(it.AccessExpiresAt)})
		}
	}
	return orgs, projects, nil
}
