-- The moderator role (hides and restores reviews in the rating service).
ALTER TABLE users DROP CONSTRAINT users_roles_check;
ALTER TABLE users ADD CONSTRAINT users_roles_check
    CHECK (cardinality(roles) >= 1 AND roles <@ ARRAY['customer', 'partner', 'support_agent', 'admin', 'moderator']);
