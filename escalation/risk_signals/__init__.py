"""Risk signal files, one YAML file per language (see escalation.risk_rules)."""
