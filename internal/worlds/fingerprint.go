package worlds

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
)

// Fingerprint names the content of the worlds file at path: the first 16 hex digits of
// its bytes' SHA-256, or "" without a file (path ""). The replicas of a fleet compare
// theirs through the lease, so that a fleet whose files differ (a rolling change, or a
// mistake) says so; any byte counts, since the replicas read the bytes. It names the
// content without revealing it: a DSN's password stays in the file.
func Fingerprint(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", Env, err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8]), nil
}
