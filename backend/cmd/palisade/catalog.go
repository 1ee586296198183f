package main

import (
	"github.com/palisade-dev/palisade/backend/checks"
	"github.com/palisade-dev/palisade/backend/config"
)

// checkSetup builds the catalog (built-ins plus the configuration's CEL checks) and the
// check parameters. A custom check that does not compile is a usage error naming it.
func checkSetup(cfg config.Checks) (*checks.Catalog, checks.Config, error) {
	cc := checks.DefaultConfig()
	if cfg.AllowedRegistries != nil {
		cc.AllowedRegistries = cfg.AllowedRegistries
	}
	for dst, src := range map[*string]string{
		&cc.ClassificationLabel: cfg.ClassificationLabel, &cc.TenantLabel: cfg.TenantLabel,
		&cc.OwnerLabel: cfg.OwnerLabel, &cc.ZoneLabel: cfg.ZoneLabel,
	} {
		if src != "" {
			*dst = src
		}
	}
	if cfg.BackupRPO > 0 {
		cc.BackupRPO = cfg.BackupRPO
	}
	cc.MaxImageAge, cc.ImageFactsMaxAge, cc.TagMoveWindow = cfg.MaxImageAge, cfg.ImageFactsMaxAge, cfg.TagMoveWindow
	cc.SBOMMaxAge, cc.AdvisoryMaxAge = cfg.SBOMMaxAge, cfg.AdvisoryMaxAge
	catalog := checks.Builtin()
	if len(cfg.Custom) == 0 {
		return catalog, cc, nil
	}
	specs := make([]checks.CustomCheckSpec, len(cfg.Custom))
	for i, c := range cfg.Custom {
		specs[i] = checks.CustomCheckSpec{
			ID: c.ID, Title: c.Title, Description: c.Description, Severity: c.Severity, CSA: c.CSA,
			Scope: c.Scope, Match: c.Match, Expression: c.Expression, Message: c.Message,
			Remediation: checks.Remediation{Text: c.Remediation.Text, Example: c.Remediation.Example},
		}
	}
	custom, err := checks.CompileCustomChecks(specs)
	if err != nil {
		return nil, cc, usageError("checks.custom: %v", err)
	}
	if catalog, err = catalog.With(custom...); err != nil {
		return nil, cc, usageError("checks.custom: %v", err)
	}
	return catalog, cc, nil
}
