CREATE TABLE things (id bigserial PRIMARY KEY, aggregate uuid NOT NULL, seq integer NOT NULL);
