"""The texts of the e-mails auth sends. Links are built from PUBLIC_URL only, never from a request header (a forged
Host header must not be able to send a user's reset token to an attacker's site)."""

from __future__ import annotations

from urllib.parse import quote


def link(public_url: str, path: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/{path}?token={quote(token)}"


def password_reset(public_url: str, token: str, minutes: int) -> tuple[str, str]:
    return "Reset your password", (
        "Someone (hopefully you) asked to reset the password of your account on the recruiting platform.\n\n"
        f"To choose a new password, open this link within {minutes} minutes:\n\n"
        f"{link(public_url, 'reset-password', token)}\n\n"
        "The link works once. If you did not ask for this, ignore this e-mail: your password stays as it is.\n"
    )


def password_changed() -> tuple[str, str]:
    return "Your password was changed", (
        "The password of your account on the recruiting platform was just reset, and every session was logged "
        "out.\n\nIf this was not you, use 'Forgot password' on the login page at once and tell your administrator.\n"
    )


def invitation(public_url: str, token: str, company_name: str, inviter_name: str, days: int) -> tuple[str, str]:
    return f"You are invited to {company_name} on the recruiting platform", (
        f"{inviter_name} invited you to join {company_name} on the recruiting platform.\n\n"
        f"To accept, choose your password within {days} days here:\n\n"
        f"{link(public_url, 'accept-invitation', token)}\n"
    )
