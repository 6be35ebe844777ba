package domain

// The discovery resources of RFC 7644 §4: what this service provider
// supports, its resource types and their schemas.

// SCIMServiceProviderConfig is GET /scim/v2/ServiceProviderConfig: PATCH
// and filter supported; bulk, sort, ETags and changePassword not.
func SCIMServiceProviderConfig() map[string]any {
	return map[string]any{
		"schemas":          []string{SCIMSchemaSPConfig},
		"documentationUri": "https://github.com/members-saas/members#directory-sync-scim",
		"patch":            map[string]any{"supported": true},
		"bulk":             map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":           map[string]any{"supported": true, "maxResults": SCIMMaxCount},
		"changePassword":   map[string]any{"supported": false},
		"sort":             map[string]any{"supported": false},
		"etag":             map[string]any{"supported": false},
		"authenticationSchemes": []map[string]any{{
			"type": "oauthbearertoken", "name": "Directory token", "primary": true,
			"description": "A directory token an organization owner created (POST /orgs/{orgId}/scim-tokens), as Authorization: Bearer.",
		}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": "/scim/v2/ServiceProviderConfig"},
	}
}

func scimLocation(c SCIMCaller, path string) string {
	if c.BaseURL != "" {
		return c.BaseURL + path
	}
	return "/scim/v2" + path
}

// SCIMResourceTypes is GET /scim/v2/ResourceTypes.
func SCIMResourceTypes(c SCIMCaller) SCIMList {
	res := []map[string]any{
		{"schemas": []string{SCIMSchemaResType}, "id": "User", "name": "User", "endpoint": "/Users",
			"description": "A person who gets access to the organization: userName is their email address",
			"schema":      SCIMSchemaUser, "schemaExtensions": []map[string]any{{"schema": SCIMSchemaEnterprise, "required": false}},
			"meta": map[string]any{"resourceType": "ResourceType", "location": scimLocation(c, "/ResourceTypes/User")}},
		{"schemas": []string{SCIMSchemaResType}, "id": "Group", "name": "Group", "endpoint": "/Groups",
			"description": "A directory group; owners map it to roles", "schema": SCIMSchemaGroup,
			"meta": map[string]any{"resourceType": "ResourceType", "location": scimLocation(c, "/ResourceTypes/Group")}},
	}
	return SCIMList{Schemas: []string{SCIMSchemaList}, TotalResults: len(res), StartIndex: 1, ItemsPerPage: len(res), Resources: res}
}

func scimAttr(name, typ string, extra map[string]any) map[string]any {
	a := map[string]any{"name": name, "type": typ, "multiValued": false, "required": false, "caseExact": false,
		"mutability": "readWrite", "returned": "default", "uniqueness": "none"}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

// SCIMSchemas is GET /scim/v2/Schemas: the attributes this provider keeps.
func SCIMSchemas(c SCIMCaller) SCIMList {
	sub := func(names ...string) []map[string]any {
		var out []map[string]any
		for _, n := range names {
			out = append(out, scimAttr(n, "string", nil))
		}
		return out
	}
	user := map[string]any{"schemas": []string{SCIMSchemaSchema}, "id": SCIMSchemaUser, "name": "User",
		"description": "User account",
		"attributes": []map[string]any{
			scimAttr("userName", "string", map[string]any{"required": true, "uniqueness": "server",
				"description": "The email address that gets access; case-insensitive"}),
			scimAttr("externalId", "string", map[string]any{"caseExact": true}),
			scimAttr("name", "complex", map[string]any{"subAttributes": sub("formatted", "familyName", "givenName", "middleName")}),
			scimAttr("displayName", "string", nil),
			scimAttr("active", "boolean", map[string]any{"description": "false removes the user's access at once"}),
			scimAttr("emails", "complex", map[string]any{"multiValued": true, "subAttributes": sub("value", "type", "primary")}),
			scimAttr("groups", "complex", map[string]any{"multiValued": true, "mutability": "readOnly", "subAttributes": sub("value", "$ref", "display")}),
		},
		"meta": map[string]any{"resourceType": "Schema", "location": scimLocation(c, "/Schemas/"+SCIMSchemaUser)}}
	group := map[string]any{"schemas": []string{SCIMSchemaSchema}, "id": SCIMSchemaGroup, "name": "Group",
		"description": "Group",
		"attributes": []map[string]any{
			scimAttr("displayName", "string", map[string]any{"required": true, "uniqueness": "server"}),
			scimAttr("externalId", "string", map[string]any{"caseExact": true}),
			scimAttr("members", "complex", map[string]any{"multiValued": true, "subAttributes": sub("value", "$ref", "display")}),
		},
		"meta": map[string]any{"resourceType": "Schema", "location": scimLocation(c, "/Schemas/"+SCIMSchemaGroup)}}
	res := []map[string]any{user, group}
	return SCIMList{Schemas: []string{SCIMSchemaList}, TotalResults: len(res), StartIndex: 1, ItemsPerPage: len(res), Resources: res}
}
