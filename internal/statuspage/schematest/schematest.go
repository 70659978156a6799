// Package schematest checks documents against the Statuspage JSON Schemas kept in
// internal/statuspage/schema (written from Statuspage's published examples). Only tests
// import it: the programs carry no schema validator.
package schematest

import (
	"bytes"
	"fmt"
	"path"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Schemas compiles the schema of each document path ("api/v2/summary" and the rest) from
// dir, the schema folder; the test fails when one does not compile.
func Schemas(t testing.TB, dir string, docs ...string) map[string]*jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	out := make(map[string]*jsonschema.Schema, len(docs))
	for _, doc := range docs {
		s, err := c.Compile(filepath.Join(dir, path.Base(doc)+".schema.json"))
		if err != nil {
			t.Fatalf("compile the schema of %s: %v", doc, err)
		}
		out[doc] = s
	}
	return out
}

// Validate checks body against s.
func Validate(s *jsonschema.Schema, body []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	return s.Validate(v)
}
