package main

import (
	"context"
	"errors"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/backend/runner"
)

// collectCluster is replaced when the live-cluster collector lands.
func collectCluster(ctx context.Context, so *scanOptions, opts *globalOptions) (*collected, error) {
	return nil, usageError("--kubeconfig scanning is not available in this build")
}

// clusterSource is replaced when the live-cluster collector lands.
var clusterSource = runner.SourceFunc(func(ctx context.Context, t posture.Target) (*runner.Collection, error) {
	return nil, errors.New("cluster collection is not available in this build")
})
