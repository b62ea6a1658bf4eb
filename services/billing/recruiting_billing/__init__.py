"""The billing service: owns license packages, billing profiles, subscriptions, invoices, credit notes, payments, reminders."""
