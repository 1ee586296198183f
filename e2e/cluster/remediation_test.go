package cluster_test

import (
	"fmt"
	"testing"

	clientset "k8s.io/client-go/kubernetes"

	"github.com/palisade-dev/palisade/backend/alerting"
	"github.com/palisade-dev/palisade/backend/notify"
	"github.com/palisade-dev/palisade/backend/posture"
	"github.com/palisade-dev/palisade/e2e/kubeharness"
)

// TestRemediationLoopAgainstRealCluster walks the whole loop of issue 6 on a real
// kube-apiserver: a workload turns privileged > the next run raises a drift event > the
// alert reaches a webhook receiver with a valid signature > an operator opens a ticket from
// the finding through the API > the workload is fixed > the next run verifies the ticket.
func TestRemediationLoopAgainstRealCluster(t *testing.T) {
	c := kubeharness.Start(t)
	ctx := t.Context()
	admin := clientset.NewForConfigOrDie(c.AdminConfig())
	bindCollector(t, admin, shippedCollectorRole(t))
	seed(t, admin)
	setPrivileged(t, admin, false)

	l := newLoop(t, c, alerting.Rule{Name: "new high", MinSeverity: posture.SeverityHigh,
		Kinds: []string{alerting.KindNewFinding, alerting.KindRegression}}, posture.RoleOperator)
	run, call := l.run, l.call
	run("baseline")
	setPrivileged(t, admin, true)
	turned := run("after the workload turned privileged")

	var driftRaw struct {
		Items []map[string]any `json:"items"`
	}
	if code := call("GET", "/api/v1/tenants/acme/drift", "", &driftRaw); code != 200 {
		t.Fatalf("drift: %d", code)
	}
	found := false
	for _, e := range driftRaw.Items {
		if e["kind"] == "new_finding" && e["check_id"] == privilegedCheck && e["asset_key"] == "apps/Deployment/shop/web" &&
			int64(e["run_id"].(float64)) == turned.ID {
			found = true
		}
	}
	if !found {
		t.Fatalf("no drift event for the privileged workload: %+v", driftRaw.Items)
	}
	if n := l.worker.Once(ctx); n == 0 {
		t.Fatal("no alert was delivered")
	}
	msgs, bad := l.received()
	var alert *notify.Message
	for i := range msgs {
		if msgs[i].Fields["check"] == privilegedCheck {
			alert = &msgs[i]
		}
	}
	if alert == nil || bad != 0 || alert.Severity != "critical" && alert.Severity != "high" {
		t.Fatalf("alert at the receiver: %+v (bad signatures %d)", alert, bad)
	}

	// The operator opens a ticket from the finding.
	priv := openFindings(t, l.db, l.ten.ID, privilegedCheck)
	if len(priv) != 1 {
		t.Fatalf("privileged findings: %+v", priv)
	}
	var ticket struct {
		ID     int64  `json:"id"`
		Key    string `json:"key"`
		Status string `json:"status"`
	}
	if code := call("POST", "/api/v1/tenants/acme/tickets", fmt.Sprintf(`{"finding_ids":[%d],"assignee":"omar"}`, priv[0].ID), &ticket); code != 201 {
		t.Fatalf("create ticket: %d", code)
	}
	if code := call("POST", "/api/v1/tenants/acme/tickets", fmt.Sprintf(`{"finding_ids":[%d]}`, priv[0].ID), nil); code != 409 {
		t.Fatalf("a second ticket for the same finding: %d", code)
	}

	// The fix in the cluster; the next complete run verifies the ticket.
	setPrivileged(t, admin, false)
	run("after the fix")
	if code := call("GET", fmt.Sprintf("/api/v1/tenants/acme/tickets/%d", ticket.ID), "", &ticket); code != 200 || ticket.Status != "verified" {
		t.Fatalf("ticket %s after the fix: %d %s", ticket.Key, code, ticket.Status)
	}
	// And a regression reopens it.
	setPrivileged(t, admin, true)
	run("after the regression")
	if call("GET", fmt.Sprintf("/api/v1/tenants/acme/tickets/%d", ticket.ID), "", &ticket); ticket.Status != "reopened" {
		t.Fatalf("ticket after the regression: %s", ticket.Status)
	}
}
