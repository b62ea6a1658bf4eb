"""The applications service: owns applications, documents (encrypted), applicant access, interview invitations, consents, access log."""
