"""The auth service's own Prometheus metrics (next to the shared ones on /metrics)."""

from prometheus_client import Counter

logins = Counter("auth_logins_total", "Login attempts by outcome", ["outcome"])
mail_sent = Counter("auth_mail_sent_total", "E-mails handed to the SMTP server")
mail_failures = Counter("auth_mail_failures_total", "Failed SMTP attempts (retried)")
mail_dropped = Counter("auth_mail_dropped_total", "E-mails given up: expired, undecryptable or failed too often")
refresh_reuse = Counter("auth_refresh_token_reuse_total", "Refresh tokens used twice (their family was revoked)")
