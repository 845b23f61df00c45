-- TaskFlow schema, step 2: foreign keys between tenant tables, and row-level security.
--
-- Every foreign key is composite and leads with org_id, so it can only point inside the tenant
-- (a foreign-key check ignores row-level security: an id-only key would let one tenant point at
-- another's row). Tenant rows never reference global tables: users are checked by the write
-- path, and a task keeps its assignee id after the member leaves.

ALTER TABLE org_usage
    ADD CONSTRAINT org_usage_org_fk FOREIGN KEY (org_id) REFERENCES organizations (org_id);
ALTER TABLE members
    ADD CONSTRAINT members_org_fk FOREIGN KEY (org_id) REFERENCES organizations (org_id);
ALTER TABLE projects
    ADD CONSTRAINT projects_org_fk FOREIGN KEY (org_id) REFERENCES organizations (org_id);
ALTER TABLE project_usage
    ADD CONSTRAINT project_usage_project_fk
    FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id);
ALTER TABLE tasks
    ADD CONSTRAINT tasks_project_fk FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id);
-- The event log has no foreign key: it is append-only and written only under the lock of the
-- organization's counter row (which references the organization), so a per-row check would
-- only cost time -- a fifth of a bulk import, where every task brings its event.

-- Row-level security, enabled and FORCED (a table owner bypasses RLS otherwise), on a
-- transaction-local setting: every transaction of the store starts with
-- `SET LOCAL taskflow.org_id = '<uuid>'`. Unset, or empty (what a connection reads back after a
-- transaction that set it), the setting matches no row.
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON organizations FOR ALL
    USING (org_id = NULLIF(current_setting('taskflow.org_id', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('taskflow.org_id', true), '')::uuid);

ALTER TABLE org_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON org_usage FOR ALL
    USING (org_id = NULLIF(current_setting('taskflow.org_id', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('taskflow.org_id', true), '')::uuid);

ALTER TABLE members ENABLE ROW LEVEL SECURITY;
ALTER TABLE members FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON members FOR ALL
    USING (org_id = NULLIF(current_setting('taskflow.org_id', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('taskflow.org_id', true), '')::uuid);

ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON projects FOR ALL
    USING (org_id = NULLIF(current_setting('taskflow.org_id', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('taskflow.org_id', true), '')::uuid);

ALTER TABLE project_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE project_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON project_usage FOR ALL
    USING (org_id = NULLIF(current_setting('taskflow.org_id', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('taskflow.org_id', true), '')::uuid);

ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tasks FOR ALL
    USING (org_id = NULLIF(current_setting('taskflow.org_id', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('taskflow.org_id', true), '')::uuid);

ALTER TABLE events ENABLE ROW LEVEL SECURITY;
ALTER TABLE events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON events FOR ALL
    USING (org_id = NULLIF(current_setting('taskflow.org_id', true), '')::uuid)
    WITH CHECK (org_id = NULLIF(current_setting('taskflow.org_id', true), '')::uuid);
