package members

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// The expiry sweep's schedule (functions/expire-members): access ends at
// its accessExpiresAt on every read at once, so the sweep only cleans up
// and mails reminders; every 15 minutes keeps expired memberships out of
// the lists and the table within a quarter of an hour at 96 runs a day.
const (
	// SweepSchedule is the EventBridge Scheduler expression.
	SweepSchedule = "rate(15 minutes)"
	// sweepRetries is how often Scheduler retries a failed invocation
	// (throttled or failed to start); a run that fails is also made good
	// by the next one.
	sweepRetries = 2
	// sweepMaxAgeS drops a retry older than one period: the next run does it.
	sweepMaxAgeS = 900
	// OutSweepSchedule is the stack output with the schedule's name.
	OutSweepSchedule = "ExpirySweepSchedule"
)

// ExpirySchedule is the EventBridge Scheduler schedule that runs the
// expire-members function, and the role Scheduler invokes it with.
type ExpirySchedule struct {
	Schedule awsscheduler.CfnSchedule
	Role     awsiam.Role
}

// NewExpirySchedule adds the schedule that invokes fn every 15 minutes
// (SweepSchedule), with a role that may invoke fn and nothing else.
func NewExpirySchedule(scope constructs.Construct, id string, fn awslambda.IFunction) *ExpirySchedule {
	c := constructs.NewConstruct(scope, jsii.String(id))
	role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), nil),
		Description: jsii.String("EventBridge Scheduler: invoke the Members expire-members function"),
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("lambda:InvokeFunction"),
		Resources: &[]*string{fn.FunctionArn()},
	}))
	s := awsscheduler.NewCfnSchedule(c, jsii.String("Schedule"), &awsscheduler.CfnScheduleProps{
		Description:        jsii.String("Members: remove memberships whose access ended, mail reminders 7 days before (functions/expire-members)"),
		ScheduleExpression: jsii.String(SweepSchedule),
		FlexibleTimeWindow: &awsscheduler.CfnSchedule_FlexibleTimeWindowProperty{Mode: jsii.String("OFF")},
		State:              jsii.String("ENABLED"),
		Target: &awsscheduler.CfnSchedule_TargetProperty{
			Arn:     fn.FunctionArn(),
			RoleArn: role.RoleArn(),
			Input:   jsii.String(`{"source":"members.expiry-schedule"}`),
			RetryPolicy: &awsscheduler.CfnSchedule_RetryPolicyProperty{
				MaximumRetryAttempts:     jsii.Number(sweepRetries),
				MaximumEventAgeInSeconds: jsii.Number(sweepMaxAgeS),
			},
		},
	})
	return &ExpirySchedule{Schedule: s, Role: role}
}
