package worlds

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Select is the world ids an operator's -world names among ids (sorted; [""] alone
// without a worlds file, where -world is refused): with a worlds file, -world is
// required, a world's id or "all". named says whether -world was given at all.
func Select(world string, named bool, ids []string) ([]string, error) {
	if len(ids) == 1 && ids[0] == "" {
		if named {
			return nil, errors.New("-world: there is no worlds file (STATUS_WORLDS_FILE); leave -world out")
		}
		return ids, nil
	}
	switch {
	case world == "all":
		return ids, nil
	case world == "":
		return nil, fmt.Errorf("-world: required with a worlds file; want one of %s, or all", strings.Join(ids, ", "))
	case !slices.Contains(ids, world):
		return nil, fmt.Errorf("-world %q: not a world of the worlds file; want one of %s, or all", world, strings.Join(ids, ", "))
	}
	return []string{world}, nil
}
