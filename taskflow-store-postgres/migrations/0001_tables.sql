-- TaskFlow schema, step 1: the tables, without foreign keys.
--
-- Foreign keys come in the next migration, after `migrate()` has distributed the tables on a
-- Citus cluster (Citus refuses to distribute a table that a plain table still references).
--
-- Global tables (Citus reference tables): users, the slug lookup and the user -> organizations
-- index. They hold no tenant data beyond ids, and need no tenant context to read.
-- Tenant tables (distributed by org_id): every primary key starts with org_id, and every unique
-- constraint and foreign key includes it, so neither can reach across tenants.

CREATE TABLE users (
    id uuid NOT NULL,
    email text NOT NULL,
    name text NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE org_slugs (
    slug text NOT NULL,
    org_id uuid NOT NULL,
    CONSTRAINT org_slugs_pkey PRIMARY KEY (slug)
);

CREATE TABLE memberships (
    user_id uuid NOT NULL,
    org_id uuid NOT NULL,
    CONSTRAINT memberships_pkey PRIMARY KEY (user_id, org_id)
);

CREATE TABLE organizations (
    org_id uuid NOT NULL,
    name text NOT NULL,
    slug text NOT NULL,
    tier text NOT NULL CHECK (tier IN ('free', 'pro', 'enterprise')),
    custom_limits jsonb,
    time_zone text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    version bigint NOT NULL,
    CONSTRAINT organizations_pkey PRIMARY KEY (org_id)
);

-- The per-organization counters: every write locks this row first, so writes of one tenant
-- are serialized (limits hold under concurrency) and the event seq is gapless in commit order.
CREATE TABLE org_usage (
    org_id uuid NOT NULL,
    members bigint NOT NULL,
    owners bigint NOT NULL,
    active_projects bigint NOT NULL,
    last_seq bigint NOT NULL,
    CONSTRAINT org_usage_pkey PRIMARY KEY (org_id)
);

CREATE TABLE members (
    org_id uuid NOT NULL,
    user_id uuid NOT NULL,
    role text NOT NULL CHECK (role IN ('viewer', 'member', 'admin', 'owner')),
    joined_at timestamptz NOT NULL,
    version bigint NOT NULL,
    CONSTRAINT members_pkey PRIMARY KEY (org_id, user_id)
);

CREATE TABLE projects (
    org_id uuid NOT NULL,
    id uuid NOT NULL,
    name text NOT NULL,
    description text,
    archived boolean NOT NULL,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    version bigint NOT NULL,
    CONSTRAINT projects_pkey PRIMARY KEY (org_id, id)
);

CREATE TABLE project_usage (
    org_id uuid NOT NULL,
    project_id uuid NOT NULL,
    tasks bigint NOT NULL,
    active_tasks bigint NOT NULL,
    CONSTRAINT project_usage_pkey PRIMARY KEY (org_id, project_id)
);

CREATE TABLE tasks (
    org_id uuid NOT NULL,
    id uuid NOT NULL,
    project_id uuid NOT NULL,
    title text NOT NULL,
    description text,
    status text NOT NULL
        CHECK (status IN ('todo', 'in_progress', 'in_review', 'blocked', 'done', 'cancelled')),
    priority text NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'urgent')),
    assignee uuid,
    created_by uuid NOT NULL,
    due_date date,
    estimate_hours double precision,
    tags text[] NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    started_at timestamptz,
    completed_at timestamptz,
    archived boolean NOT NULL,
    version bigint NOT NULL,
    CONSTRAINT tasks_pkey PRIMARY KEY (org_id, id)
);

-- Listing indexes: each leads with org_id and ends with id, the keyset-pagination key.
CREATE INDEX tasks_project_idx ON tasks (org_id, project_id, id);
CREATE INDEX tasks_status_idx ON tasks (org_id, status, id);
CREATE INDEX tasks_assignee_idx ON tasks (org_id, assignee, id) WHERE assignee IS NOT NULL;
CREATE INDEX tasks_updated_idx ON tasks (org_id, updated_at, id);

-- The event log (a transactional outbox): appended in the same transaction as its change.
-- `kind` is the snake_case event name SQL users query by; `payload` is the whole typed event.
CREATE TABLE events (
    org_id uuid NOT NULL,
    seq bigint NOT NULL,
    at timestamptz NOT NULL,
    actor uuid NOT NULL,
    kind text NOT NULL,
    task_id uuid,
    project_id uuid,
    payload jsonb NOT NULL,
    CONSTRAINT events_pkey PRIMARY KEY (org_id, seq)
);
