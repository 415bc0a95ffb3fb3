//! Failed-login counts behind the console's login limiter (`auth::LoginLimiter`): one row per
//! key, a fixed window per row, shared by every instance on the database.
use sqlx::Row;

use super::Db;

impl Db {
    /// `(attempts, window_start)` of `key` if its window started after `since`.
    pub async fn login_failures(
        &self,
        key: &str,
        since: i64,
    ) -> Result<Option<(i64, i64)>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT attempts, window_start FROM login_failures \
             WHERE key = $1 AND window_start > $2",
        )
        .bind(key)
        .bind(since)
        .fetch_optional(self.write())
        .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }

    /// Counts one failure of `key` at `now` (a window older than `window_ms` starts over);
    /// returns the attempts in the current window. One statement, so concurrent failures on
    /// several instances are all counted.
    pub async fn add_login_failure(
        &self,
        key: &str,
        now: i64,
        window_ms: i64,
    ) -> Result<i64, sqlx::Error> {
        let expired = now - window_ms;
        sqlx::query("DELETE FROM login_failures WHERE window_start <= $1 AND key <> $2")
            .bind(expired)
            .bind(key)
            .execute(self.write())
            .await?;
        sqlx::query_scalar(
            "INSERT INTO login_failures (key, attempts, window_start) VALUES ($1, 1, $2) \
             ON CONFLICT (key) DO UPDATE SET \
             attempts = CASE WHEN login_failures.window_start <= $3 THEN 1 \
                        ELSE login_failures.attempts + 1 END, \
             window_start = CASE WHEN login_failures.window_start <= $3 THEN $2 \
                            ELSE login_failures.window_start END \
             RETURNING attempts",
        )
        .bind(key)
        .bind(now)
        .bind(expired)
        .fetch_one(self.write())
        .await
    }

    /// Forgets `key`'s failures (after a successful login).
    pub async fn clear_login_failures(&self, key: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM login_failures WHERE key = $1")
            .bind(key)
            .execute(self.write())
            .await
            .map(|_| ())
    }
}
