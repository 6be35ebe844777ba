// Command infra is the Members CDK app (cdk.json runs it from the repository
// root): one environment-agnostic stack, "Members", configured by CDK context
// (see infra/members.Config and docs/deploy.md). It needs the Lambda
// binaries under build/ (make build) and no AWS credentials to synthesize.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/members-saas/members/infra/members"
)

// StackName is the CloudFormation stack's name, and so the template's file
// name: cdk.out/Members.template.json.
const StackName = "Members"

func main() {
	defer jsii.Close()

	app := awscdk.NewApp(nil)
	cfg, err := members.ConfigFromContext(app.Node())
	if err != nil {
		fail(err)
	}
	assetDir := "build" // make build's BUILD_DIR; the Makefile passes -c assetDir=$(BUILD_DIR)
	if v, ok := app.Node().TryGetContext(jsii.String("assetDir")).(string); ok && v != "" {
		assetDir = v
	}
	_, err = members.NewMembersStack(app, StackName, &members.MembersStackProps{
		Config:     cfg,
		AssetDir:   assetDir,
		ConsoleDir: "shared/console/static",
	})
	if err != nil {
		fail(err)
	}
	app.Synth(nil)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "infra:", err)
	jsii.Close()
	os.Exit(1)
}
