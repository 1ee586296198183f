package posture_test

import (
	"testing"

	"github.com/palisade-dev/palisade/backend/posture"
)

// Roles rank in the order of posture.Roles; an unknown role ranks below all.
func TestRoleOutranks(t *testing.T) {
	for _, c := range []struct {
		r, o posture.Role
		want bool
	}{
		{posture.RoleAdmin, posture.RoleSecurityManager, true},
		{posture.RoleOperator, posture.RoleAuditor, true},
		{posture.RoleViewer, posture.RoleOperator, false},
		{posture.RoleViewer, posture.RoleViewer, false},
		{posture.RoleViewer, "root", true},
		{"root", posture.RoleViewer, false},
	} {
		if got := c.r.Outranks(c.o); got != c.want {
			t.Errorf("%s.Outranks(%s) = %v, want %v", c.r, c.o, got, c.want)
		}
	}
}
