"""The billing service's event consumers. Billing consumes its own events:

- `invoicing`: subscription.activated / changed / renewed -> issue the invoices for the new charges;
- `mail`: invoice.issued -> e-mail the invoice; invoice.overdue -> payment reminder; invoice.paid -> payment
  confirmation; subscription.ended (suspension) -> notice. (This also gives every billing event a queue, so
  the outbox never holds an event nobody is bound to.)

Handlers need the service's context (settings, outbox, mailer, clock); bootstrap builds them with
`consumers(context)`. `CONSUMERS` names the same queues for tooling that only needs their names."""

from __future__ import annotations

from functools import partial

from recruiting_shared.events import (
    InvoiceIssued,
    InvoiceOverdue,
    InvoicePaid,
    SubscriptionActivated,
    SubscriptionChanged,
    SubscriptionEnded,
    SubscriptionRenewed,
)
from recruiting_shared.messaging import Consumer

from ..service_layer import notifications
from ..service_layer.context import BillingContext
from ..service_layer.invoicing import issue_invoices_for_subscription


def consumers(context: BillingContext | None) -> list[Consumer]:
    async def on_subscription_event(event, conn) -> None:
        await issue_invoices_for_subscription(conn, context, event.subscription_id)

    return [
        Consumer("invoicing", {
            SubscriptionActivated: on_subscription_event,
            SubscriptionChanged: on_subscription_event,
            SubscriptionRenewed: on_subscription_event,
        }),
        Consumer("mail", {
            InvoiceIssued: partial(notifications.send_invoice, context=context),
            InvoiceOverdue: partial(notifications.send_reminder, context=context),
            InvoicePaid: partial(notifications.send_payment_confirmation, context=context),
            SubscriptionEnded: partial(notifications.send_suspension_notice, context=context),
        }),
    ]


CONSUMERS: list[Consumer] = consumers(None)
