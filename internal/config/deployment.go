package config

import (
	"fmt"
	"regexp"
)

// DeploymentEnv names the deployment (snapshot.Deployment): every Redis key and channel
// carries it, so that deployments sharing one Redis server keep apart.
const DeploymentEnv = "STATUS_DEPLOYMENT"

// MaxDeploymentLen bounds STATUS_DEPLOYMENT: a name, not a payload carried by every key.
const MaxDeploymentLen = 32

// deploymentName is a world id's shape: no ':' (the keys' separator), no '{' or '}' (a
// hash tag's), nothing a shell or a log must quote.
var deploymentName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// checkDeployment refuses a name that is not [a-z0-9-], 1 to MaxDeploymentLen characters,
// the first not '-'. Empty is the default deployment (today's key names).
func checkDeployment(name string) error {
	if name == "" || (len(name) <= MaxDeploymentLen && deploymentName.MatchString(name)) {
		return nil
	}
	return fmt.Errorf("%s=%q: want [a-z0-9-], 1 to %d characters, the first not '-' (empty: the default deployment's key names)",
		DeploymentEnv, name, MaxDeploymentLen)
}
