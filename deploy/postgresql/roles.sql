-- Shouwang's two database roles (docs/deploy.md, PostgreSQL): shouwang_owner owns the tables and runs
-- migrate and protect_audit; shouwang, the role the services log in as (peer authentication over the
-- local socket), may read and write rows but not change tables, drop the audit triggers or rewrite
-- the audit logs. Run once, after creating the roles and the database:
--   sudo -u postgres psql -d shouwang -v ON_ERROR_STOP=1 < roles.sql
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO shouwang;
GRANT ALL ON SCHEMA public TO shouwang_owner;
-- Every table and sequence shouwang_owner creates (each migrate) is usable by the application.
ALTER DEFAULT PRIVILEGES FOR ROLE shouwang_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO shouwang;
ALTER DEFAULT PRIVILEGES FOR ROLE shouwang_owner IN SCHEMA public
  GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO shouwang;
