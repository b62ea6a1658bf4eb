"""The auth domain's errors. They are problem details already (recruiting_shared.problems), so an endpoint raises
them as they are and the client gets a stable `type`."""

from __future__ import annotations

from recruiting_shared.problems import Conflict, NotFound, Problem, Unauthorized


class InvalidCredentials(Unauthorized):
    """One message whatever was wrong: unknown address, wrong password, invited user without a password."""

    slug, title = "invalid-credentials", "Invalid credentials"

    def __init__(self) -> None:
        super().__init__("The e-mail address or the password is wrong.")


class InvalidRefreshToken(Unauthorized):
    slug, title = "invalid-refresh-token", "Invalid refresh token"

    def __init__(self) -> None:
        super().__init__("The refresh token is not valid. Please log in again.")


class InvalidLinkToken(Problem):
    """Reset and invitation links: unknown, used, superseded and expired tokens all get this one answer."""

    status, slug, title = 400, "invalid-token", "Invalid or expired link"

    def __init__(self) -> None:
        super().__init__("The link is invalid or has expired. Please ask for a new one.")


class WeakPassword(Problem):
    status, slug, title = 422, "weak-password", "Password too weak"

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("The password does not meet the password policy.", reasons=reasons)


class EmailTaken(Conflict):
    slug, title = "email-taken", "E-mail address in use"

    def __init__(self) -> None:
        super().__init__("An account with this e-mail address already exists.")


class UserNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such user.")


class CannotDeleteSelf(Conflict):
    slug = "cannot-delete-self"

    def __init__(self) -> None:
        super().__init__("You cannot delete your own account.")


class RateLimited(Problem):
    status, slug, title = 429, "rate-limited", "Too many requests"

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many attempts. Please wait before trying again.",
                         headers={"Retry-After": str(retry_after)}, retry_after=retry_after)
