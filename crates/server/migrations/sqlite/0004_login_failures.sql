-- Failed console logins per key (`account:<email>` or `addr:<ip>`), in the database so every
-- instance shares one count (a lockout holds whichever instance is asked) and a restart does
-- not reset it. Rows older than the window are deleted as new failures come in.
CREATE TABLE login_failures (
    key          TEXT   PRIMARY KEY,
    attempts     BIGINT NOT NULL,
    window_start BIGINT NOT NULL
);
