"""Each round's risk-family cases, read by tests/test_risk_family_rounds.py."""
