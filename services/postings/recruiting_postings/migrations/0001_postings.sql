-- Companies as far as the job board needs them: the name shown next to each posting (from company.registered).
CREATE TABLE companies (
    company_id     uuid PRIMARY KEY,
    name           text NOT NULL,
    registered_at  timestamptz NOT NULL
);

-- The license packages a company has booked, as billing reports them. The allowance of active postings is that
-- of the company's largest active subscription; an ended subscription never comes back (a new one has a new id).
CREATE TABLE subscriptions (
    subscription_id      uuid PRIMARY KEY,
    company_id           uuid NOT NULL,
    package_id           text NOT NULL,
    max_active_postings  integer NOT NULL CHECK (max_active_postings >= 0),
    status               text NOT NULL CHECK (status IN ('active', 'ended')),
    period_end           date,
    ended_on             date,
    end_reason           text,
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_active_by_company ON subscriptions (company_id) WHERE status = 'active';

CREATE TABLE postings (
    id                  uuid PRIMARY KEY,
    company_id          uuid NOT NULL,
    status              text NOT NULL CHECK (status IN ('draft', 'published', 'closed')),
    title               text NOT NULL,
    description         text NOT NULL DEFAULT '',
    location            text NOT NULL DEFAULT '',
    employment_type     text NOT NULL,
    remote              boolean NOT NULL DEFAULT false,
    salary_min          integer CHECK (salary_min >= 0),
    salary_max          integer CHECK (salary_max >= 0),
    show_salary         boolean NOT NULL DEFAULT false,
    closes_at           timestamptz,
    internal_notes      text NOT NULL DEFAULT '',
    internal_reference  text NOT NULL DEFAULT '',
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    published_at        timestamptz,
    closed_at           timestamptz,
    close_reason        text,
    -- German stemming and stop words; the weights let a hit in the title rank above one in the description.
    search_vector       tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('german', title), 'A')
        || setweight(to_tsvector('german', location), 'B')
        || setweight(to_tsvector('german', description), 'C')
    ) STORED,
    CHECK (salary_min IS NULL OR salary_max IS NULL OR salary_min <= salary_max)
);
CREATE INDEX postings_by_company ON postings (company_id, created_at DESC);
-- The job board only ever reads published postings, so its indexes cover only those.
CREATE INDEX postings_board_order ON postings (published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX postings_board_search ON postings USING gin (search_vector) WHERE status = 'published';
CREATE INDEX postings_board_location ON postings (lower(location)) WHERE status = 'published';
CREATE INDEX postings_due_to_close ON postings (closes_at) WHERE status = 'published' AND closes_at IS NOT NULL;
