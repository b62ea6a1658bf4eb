"""The password policy (OWASP Authentication Cheat Sheet, NIST SP 800-63B): long enough, not absurdly long, not the
account's own e-mail address or name, not a commonly used password. No composition rules (they make passwords
worse, not better). Strength is judged by zxcvbn, which knows the 30,000 most common passwords, keyboard patterns,
dates and dictionary words, and takes the user's own data as extra words to look for."""

from __future__ import annotations

from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 12
# Argon2 has no length limit, but a megabyte password costs hashing time: a bound keeps that a non-issue.
MAX_LENGTH = 128
# zxcvbn scores 0..4; 3 means "safely unguessable: moderate protection from offline slow-hash scenario".
MIN_SCORE = 3
_COMMON = frozenset(FREQUENCY_LISTS["passwords"])


def password_problems(password: str, *, email: str, other_inputs: tuple[str, ...] = ()) -> list[str]:
    """Why the password is refused; an empty list means it is accepted. CPU work of a few milliseconds: callers on
    the event loop run it in a thread."""
    if len(password) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters."]
    if len(password) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    lowered = password.lower()
    local_part = email.split("@", 1)[0].lower()
    if email.lower() in lowered or (len(local_part) >= 4 and local_part in lowered):
        return ["Do not use your e-mail address in the password."]
    if lowered in _COMMON:
        return ["This password is too common."]
    inputs = [email, local_part, *(value for value in other_inputs if value)]
    result = zxcvbn(password, user_inputs=inputs)
    if result["score"] < MIN_SCORE:
        feedback = result["feedback"]
        return [feedback["warning"] or "This password is too easy to guess.", *feedback["suggestions"]][:3]
    return []
