// Package yamlfile reads the operators' YAML files (the worlds file, the maintenance
// file) the one strict way: one document, a mapping, no unknown key, and errors a person
// can act on.
package yamlfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
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
