-- The day from which a subscription's current package applies (activated: period start; changed: effective_on;
-- renewed: period start). An event that describes an earlier state than the one stored is not applied, so events
-- handled out of order (several instances, redeliveries) cannot bring an older package back.
ALTER TABLE subscriptions ADD COLUMN package_since date NOT NULL DEFAULT '-infinity';
