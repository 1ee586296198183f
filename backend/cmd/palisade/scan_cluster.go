package main

import (
	"context"
	"fmt"

	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/collectors/kubernetes"
)

// collectCluster reads a live cluster for `palisade scan --kubeconfig`. A collection that
// could not read everything is reported through errors (exit 2), like unreadable files.
func collectCluster(ctx context.Context, so *scanOptions, opts *globalOptions) (*collected, error) {
	res, err := kubernetes.Collect(ctx, kubernetes.Options{Kubeconfig: so.kubeconfig, Context: so.context})
	if err != nil {
		if posture.ErrorCode(err) == posture.EINVALID {
			return nil, usageError("%s", posture.ErrorMessage(err))
		}
		return nil, err
	}
	if res.Status == posture.RunFailed {
		return nil, fmt.Errorf("collect from %s: %s", so.kubeconfig, firstError(res.Errors))
	}
	return &collected{inv: res.Inventory, errors: res.Errors,
		what: fmt.Sprintf("cluster %s (%d objects)", res.ClusterName, res.Objects)}, nil
}

func firstError(errs []posture.CollectionError) string {
	if len(errs) == 0 {
		return "nothing could be collected"
	}
	return errs[0].Source + ": " + errs[0].Message
}
