"""The postings domain's errors. Each is a problem type (RFC 9457) with a stable slug that clients can rely on."""

from recruiting_shared.problems import Conflict, NotFound, Problem


class PostingNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such posting.", slug="posting-not-found")


class JobNotFound(NotFound):
    """Drafts, closed and unknown ids answer alike, so the public learns nothing about unpublished postings."""

    def __init__(self) -> None:
        super().__init__("No such job.", slug="job-not-found")


class InvalidPosting(Problem):
    status, slug, title = 422, "invalid-posting", "Invalid posting"

    def __init__(self, detail: str, *, field: str) -> None:
        super().__init__(detail, field=field)


class PostingClosedAlready(Conflict):
    def __init__(self) -> None:
        super().__init__("The posting is closed; a closed posting cannot be changed or published again.",
                         slug="posting-closed")


class PostingNotPublished(Conflict):
    def __init__(self) -> None:
        super().__init__("Only a published posting can be closed.", slug="posting-not-published")


class ClosingDatePassed(Conflict):
    def __init__(self) -> None:
        super().__init__("The closing date has passed; set a later closes_at before publishing.",
                         slug="closing-date-passed")


class PaymentRequired(Problem):
    status, slug, title = 402, "payment-required", "Payment required"


class NoActiveLicense(PaymentRequired):
    def __init__(self) -> None:
        super().__init__("The company has no active license package; book one to publish postings.",
                         slug="no-active-license", title="No active license package")


class QuotaExhausted(PaymentRequired):
    def __init__(self, *, max_active_postings: int, active_postings: int) -> None:
        super().__init__(
            f"The license package allows {max_active_postings} active postings and {active_postings} are published; "
            "close one or book a larger package.",
            slug="posting-quota-exhausted", title="Posting quota used up",
            max_active_postings=max_active_postings, active_postings=active_postings,
        )
