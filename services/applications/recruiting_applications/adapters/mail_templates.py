"""The e-mails the applications service sends. Plain text; links point at PUBLIC_URL. They never quote what the
applicant entered beyond the first name."""

from __future__ import annotations

from datetime import datetime


def _link(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/my-application?token={token}"


def application_link(public_url: str, token: str, *, first_name: str, valid_days: int) -> tuple[str, str]:
    return (
        "Your application: your private link",
        f"Hello {first_name},\n\nthank you for your application. With this private link you can see everything we "
        f"store about you, download it, withdraw the application or have it erased:\n\n{_link(public_url, token)}\n\n"
        f"The link works for {valid_days} days; you can ask for a new one on the website at any time.\n",
    )


def fresh_link(public_url: str, token: str, *, first_name: str, valid_days: int) -> tuple[str, str]:
    return (
        "Your application: a new private link",
        f"Hello {first_name},\n\nhere is a new private link to your application:\n\n{_link(public_url, token)}\n\n"
        f"It works for {valid_days} days.\n",
    )


def interview_invitation(public_url: str, token: str, *, first_name: str, location: str, message: str | None,
                         slots: list[tuple[datetime, datetime]]) -> tuple[str, str]:
    listed = "\n".join(f"  - {start:%Y-%m-%d %H:%M} to {end:%H:%M} UTC" for start, end in slots)
    note = f"\n{message}\n" if message else ""
    return (
        "Interview invitation",
        f"Hello {first_name},\n\nthe company would like to meet you for an interview at {location}.{note}\n"
        f"Proposed times:\n{listed}\n\nPlease pick one through your private link:\n\n{_link(public_url, token)}\n",
    )


def status_notice(*, first_name: str, status: str) -> tuple[str, str]:
    if status == "rejected":
        return ("Update on your application",
                f"Hello {first_name},\n\nthank you for your interest. The company has decided not to continue with "
                "your application. Your data will be deleted according to the retention period shown in your "
                "private link.\n")
    return ("Update on your application", f"Hello {first_name},\n\nthe status of your application is now: {status}.\n")


def erasure_confirmation(*, trigger: str) -> tuple[str, str]:
    reason = {
        "applicant_request": "as you asked",
        "company_request": "at the company's request",
        "deadline": "because its retention period has ended",
    }.get(trigger, "")
    return (
        "Your application data has been erased",
        f"Hello,\n\nyour application and all data and documents stored with it have been erased {reason}. "
        "Your private link no longer works. This is the last e-mail you receive about this application.\n",
    )
