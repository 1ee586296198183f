package posture

import (
	"strings"
	"testing"
)

func TestLooksSecret(t *testing.T) {
	tests := []struct {
		name, value string
		want        bool
	}{
		{"DB_PASSWORD", "s3cr3t-value", true},
		{"DB_PASSWORD_FILE", "/run/secrets/db", false},
		{"TOKEN_TTL", "3600", false},
		{"SECRET_NAME", "db-credentials", false},
		{"ENABLE_AUTH", "true", false},
		{"LOG_LEVEL", "debug", false},
		{"UPSTREAM", "-----BEGIN RSA PRIVATE KEY-----\nMIIE", true},
		{"CALLBACK", "https://user:pa55@example.com/x", true},
		{"API_KEY", "$(API_KEY_FROM_ENV)", false},
		{"GITHUB", "ghp_" + strings.Repeat("a", 36), true},
	}
	for _, tc := range tests {
		if got, _ := LooksSecret(tc.name, tc.value); got != tc.want {
			t.Errorf("LooksSecret(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
}
