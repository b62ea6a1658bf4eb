-- What the probe consumer saw, in the order it applied it.
CREATE TABLE received (position bigserial PRIMARY KEY, event_id uuid NOT NULL, aggregate uuid NOT NULL, seq integer NOT NULL);
