// Package yamlfile reads the operators' YAML files (the worlds file, the maintenance
// file) the one strict way: one document, a mapping, no unknown key, and errors a person
// can act on.
package yamlfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Decode reads data into `into` with unknown keys refused, and returns the file's top
// mapping node, for the caller to find which entry an error's line falls in. The file is
// read twice: into a node tree, to tell a file that is not YAML from a wrong one, then
// into the structs with KnownFields. A *yaml.TypeError is returned as it is (the caller
// names the entry from the node); file and want make the other errors ("not a worlds
// file; want a mapping holding worlds: (a list)").
func Decode(data []byte, file, want string, into any) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty; want " + want)
		}
		return nil, notYAML(err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		if err == nil {
			return nil, errors.New("holds more than one YAML document (---); want one")
		}
		return nil, notYAML(err)
	}
	if len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("not a %s; want %s", file, want)
	}
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	if err := strict.Decode(into); err != nil {
		if te := (*yaml.TypeError)(nil); errors.As(err, &te) && len(te.Errors) > 0 {
			return root.Content[0], err
		}
		return nil, notYAML(err)
	}
	return root.Content[0], nil
}

func notYAML(err error) error {
	return fmt.Errorf("not YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
}

// Section is a part of a file, by the Go type it decodes into: Name is what an error calls
// it ("" for the file's own mapping and for an entry), V a value of that type.
type Section struct {
	Name string
	V    any
}

// The shape of yaml's decoding errors (go.yaml.in/yaml/v3's decode.go).
var (
	yamlQuoted  = regexp.MustCompile(" `[^`]*`")
	yamlLine    = regexp.MustCompile(`^line (\d+): (.*)$`)
	yamlUnknown = regexp.MustCompile(`^field (\S+) not found in type (\S+)$`)
)

// Explain makes one of a *yaml.TypeError's messages readable: its line, and what is
// wrong. An unknown key names the keys its section takes (sections; shape when its type
// is none of them); top reports that it is in sections[0], the file's own mapping. yaml
// quotes up to 7 characters of a value it could not decode: with secrets (a file that may
// hold one), they are left out.
func Explain(msg string, sections []Section, shape string, secrets bool) (line int, what string, top bool) {
	if secrets {
		msg = yamlQuoted.ReplaceAllString(msg, "")
	}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	what = fmt.Sprintf("%s (line %d)", msg, line)
	m := yamlUnknown.FindStringSubmatch(msg)
	if m == nil {
		return line, what, false
	}
	keys := "a key of the documented shape (" + shape + ")"
	for i, s := range sections {
		t := reflect.TypeOf(s.V)
		if t.String() != m[2] {
			continue
		}
		var names []string
		for f := range t.Fields() {
			tag := f.Tag.Get("yaml")
			if tag == "" {
				tag = f.Tag.Get("json") // yaml reads such fields by their lowercased names, as their json tags
			}
			names = append(names, strings.Split(tag, ",")[0])
		}
		keys, top = strings.Join(names, ", "), i == 0
		if s.Name != "" {
			return line, fmt.Sprintf("%s: unknown key %q (line %d); want %s", s.Name, m[1], line, keys), top
		}
		break
	}
	return line, fmt.Sprintf("unknown key %q (line %d); want %s", m[1], line, keys), top
}
