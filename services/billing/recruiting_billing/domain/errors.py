"""The billing domain's errors. Each is a problem (RFC 9457) with its own stable type, so that an endpoint needs no
mapping: 422 for input that can never be right, 409 for a request that conflicts with the current state."""

from __future__ import annotations

from recruiting_shared.problems import Conflict, NotFound, Problem


class InvalidInput(Problem):
    status, slug, title = 422, "validation-error", "Invalid request"


class UnknownPackage(InvalidInput):
    slug, title = "unknown-package", "Unknown package"


class InvalidProfile(InvalidInput):
    slug, title = "invalid-billing-profile", "Invalid billing profile"


class UnsupportedCountry(InvalidProfile):
    slug, title = "unsupported-country", "Country not supported"


class ProfileRequired(Conflict):
    slug, title = "billing-profile-required", "Billing profile required"


class SubscriptionExists(Conflict):
    slug, title = "subscription-exists", "The company already has an active subscription"


class SubscriptionNotActive(Conflict):
    slug, title = "subscription-not-active", "The subscription is not active"


class PlanUnchanged(Conflict):
    slug, title = "plan-unchanged", "The subscription already has this package"


class InvoiceNotPayable(Conflict):
    slug, title = "invoice-not-payable", "The invoice takes no payments"


class Overpayment(InvalidInput):
    slug, title = "overpayment", "The payment exceeds the amount due"


class InvoiceNotCancellable(Conflict):
    slug, title = "invoice-not-cancellable", "The invoice cannot be cancelled"


class SubscriptionNotFound(NotFound):
    title = "Subscription not found"


class InvoiceNotFound(NotFound):
    title = "Invoice not found"
