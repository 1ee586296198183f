package main

import (
	"context"
)

// collectCluster is replaced when the live-cluster collector lands.
func collectCluster(ctx context.Context, so *scanOptions, opts *globalOptions) (*collected, error) {
	return nil, usageError("--kubeconfig scanning is not available in this build")
}
