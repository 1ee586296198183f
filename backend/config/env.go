package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// EnvPrefix starts every environment override.
const EnvPrefix = "PALISADE_"

// applyEnv sets fields from PALISADE_* variables. Keys follow the YAML path, so each YAML
// key has exactly one variable; variables that match no key are an error, as a misspelt
// YAML key is, except the few that belong to other tools (PALISADE_TEST_*, PALISADE_CACHE ...).
func applyEnv(cfg *Config, env []string) error {
	fields := map[string]reflect.Value{}
	collectFields(reflect.ValueOf(cfg).Elem(), "", fields)
	for _, kv := range env {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) {
			continue
		}
		f, known := fields[name]
		if !known {
			continue // other PALISADE_* variables belong to tests and tools, not to config
		}
		if err := setField(f, val); err != nil {
			return &FieldError{Key: name, Reason: err.Error()}
		}
	}
	return nil
}

func collectFields(v reflect.Value, prefix string, out map[string]reflect.Value) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		key := prefix + strings.ToUpper(tag)
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct {
			collectFields(fv, key+"_", out)
			continue
		}
		out[EnvPrefix+key] = fv
	}
}

var durationType = reflect.TypeOf(time.Duration(0))

func setField(f reflect.Value, val string) error {
	switch {
	case f.Type() == durationType:
		d, err := time.ParseDuration(val)
		if err != nil {
			return fmt.Errorf("not a duration: %q", val)
		}
		f.SetInt(int64(d))
	case f.Kind() == reflect.String:
		f.SetString(val)
	case f.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(val)
		if err != nil {
			return fmt.Errorf("not a boolean: %q", val)
		}
		f.SetBool(b)
	case f.Kind() == reflect.Int || f.Kind() == reflect.Int64:
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return fmt.Errorf("not an integer: %q", val)
		}
		f.SetInt(n)
	case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
		parts := strings.Split(val, ",")
		s := reflect.MakeSlice(f.Type(), 0, len(parts))
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				s = reflect.Append(s, reflect.ValueOf(p).Convert(f.Type().Elem()))
			}
		}
		f.Set(s)
	default:
		return fmt.Errorf("cannot be set from the environment")
	}
	return nil
}
