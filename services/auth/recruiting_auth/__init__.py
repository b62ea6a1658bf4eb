"""The auth service: owns companies, company users, roles, sessions, password reset and invitation tokens, signing keys."""
