package config

import (
	"fmt"
	"os"
	"strings"
)

// Secret is a configuration value that may be a literal or a reference: "file:/path" reads
// the file (trailing newline trimmed), "env:NAME" reads an environment variable. Its String
// form never shows a literal value, so a Secret can be logged safely.
type Secret string

// Reference prefixes a Secret may carry.
const (
	filePrefix = "file:"
	envPrefix  = "env:"
)

// maxSecretFileBytes bounds what a file: reference reads.
const maxSecretFileBytes = 64 << 10

// Resolve returns the secret's value.
func (s Secret) Resolve() (string, error) {
	v := string(s)
	switch {
	case strings.HasPrefix(v, filePrefix):
		path := strings.TrimPrefix(v, filePrefix)
		info, err := os.Stat(path)
		if err != nil {
			return "", fmt.Errorf("read secret file: %w", err)
		}
		if info.Size() > maxSecretFileBytes {
			return "", fmt.Errorf("secret file %s is larger than %d bytes", path, maxSecretFileBytes)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("read secret file: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	case strings.HasPrefix(v, envPrefix):
		name := strings.TrimPrefix(v, envPrefix)
		val, ok := os.LookupEnv(name)
		if !ok {
			return "", fmt.Errorf("environment variable %s is not set", name)
		}
		return val, nil
	}
	return v, nil
}

// Check reports whether the secret resolves, without returning its value.
func (s Secret) Check() error {
	_, err := s.Resolve()
	return err
}

// String hides literal values; references are shown because they are not secret.
func (s Secret) String() string {
	v := string(s)
	if strings.HasPrefix(v, filePrefix) || strings.HasPrefix(v, envPrefix) {
		return v
	}
	if v == "" {
		return ""
	}
	return "[redacted]"
}
