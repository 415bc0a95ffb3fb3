//! Agent accounts (the console module builds login and sessions on these tables).
use super::Db;

impl Db {
    /// Creates the agent if no account has this email yet (the stored password is never
    /// overwritten by a seed), then grants it `queues` of `site`. Returns the agent id.
    pub async fn seed_agent(
        &self,
        email: &str,
        name: &str,
        password_hash: &str,
        site: &str,
        queues: &[String],
        now: i64,
    ) -> Result<i64, sqlx::Error> {
        sqlx::query(
            "INSERT INTO agents (email, name, password_hash, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (email) DO NOTHING",
        )
        .bind(email)
        .bind(name)
        .bind(password_hash)
        .bind(now)
        .execute(self.write())
        .await?;
        let id: i64 = sqlx::query_scalar("SELECT id FROM agents WHERE email = $1")
            .bind(email)
            .fetch_one(self.write())
            .await?;
        for queue in queues {
            sqlx::query(
                "INSERT INTO agent_queues (agent_id, site, queue) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(site)
            .bind(queue)
            .execute(self.write())
            .await?;
        }
        Ok(id)
    }

    /// Whether an agent with this email exists.
    pub async fn agent_exists(&self, email: &str) -> Result<bool, sqlx::Error> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM agents WHERE email = $1")
            .bind(email)
            .fetch_one(self.read())
            .await?;
        Ok(n > 0)
    }
}
