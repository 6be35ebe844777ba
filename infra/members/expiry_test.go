package members_test

import (
	"reflect"
	"testing"

	"github.com/members-saas/members/infra/members"
	"github.com/members-saas/members/shared/routes"
)

// The expiry sweep runs on an EventBridge Scheduler schedule every 15
// minutes, invoking expire-members with a role that may invoke it and
// nothing else; retries stay within one period.
func TestExpirySchedule(t *testing.T) {
	// GIVEN the default stack
	s := defaultStack(t)
	fnID := members.FunctionLogicalID(routes.FnExpireMembers)

	// WHEN we look at its one schedule
	_, sch := s.only(t, "AWS::Scheduler::Schedule")
	p := props(sch)

	// THEN it runs every 15 minutes, on time, enabled
	if p["ScheduleExpression"] != members.SweepSchedule || members.SweepSchedule != "rate(15 minutes)" ||
		path(p, "FlexibleTimeWindow", "Mode") != "OFF" || p["State"] != "ENABLED" {
		t.Errorf("schedule %s", js(p))
	}
	// AND it invokes expire-members, retrying twice within 15 minutes
	if js(path(p, "Target", "Arn")) != js(getAtt(fnID, "Arn")) {
		t.Errorf("target %s, want the expire-members function", js(path(p, "Target", "Arn")))
	}
	if path(p, "Target", "RetryPolicy", "MaximumRetryAttempts") != float64(2) ||
		path(p, "Target", "RetryPolicy", "MaximumEventAgeInSeconds") != float64(900) {
		t.Errorf("retry policy %s", js(path(p, "Target", "RetryPolicy")))
	}
	// AND its role is assumed by Scheduler and may only invoke that function
	roleID, _ := path(p, "Target", "RoleArn", "Fn::GetAtt", 0).(string)
	role := props(s.resource(t, roleID, "AWS::IAM::Role"))
	if js(path(role, "AssumeRolePolicyDocument", "Statement", 0, "Principal")) != `{"Service":"scheduler.amazonaws.com"}` {
		t.Errorf("assumed by %s", js(path(role, "AssumeRolePolicyDocument", "Statement", 0, "Principal")))
	}
	sts := s.roleStatements(roleID)
	actions, resources := actionsOn(sts, "")
	if !reflect.DeepEqual(actions, []string{"lambda:InvokeFunction"}) || len(resources) != 1 || resources[0] != js(getAtt(fnID, "Arn")) {
		t.Errorf("scheduler role may %v on %v, want lambda:InvokeFunction on expire-members", actions, resources)
	}
}

// expire-members reads and writes the table through gsi3 (due
// memberships) and gsi1 (invites its removals revoke), and may send mail
// (the reminders), as routes.SendsMail says.
func TestExpireMembersFunction(t *testing.T) {
	if !routes.SendsMail(routes.FnExpireMembers) {
		t.Fatal("expire-members mails reminders: routes.SendsMail must say so")
	}
	s := defaultStack(t)
	fn := props(s.resource(t, members.FunctionLogicalID(routes.FnExpireMembers), "AWS::Lambda::Function"))
	if fn["Timeout"] != float64(300) {
		t.Errorf("timeout %v, want 300 s", fn["Timeout"])
	}
	sts := s.roleStatements(s.functionRoleID(t, routes.FnExpireMembers))
	if a, _ := actionsOn(sts, "ses:"); !reflect.DeepEqual(a, []string{"ses:SendEmail"}) {
		t.Errorf("ses actions %v, want ses:SendEmail", a)
	}
}
