//! `migrations/sqlite` and `migrations/postgres` stay in step: both are applied (by
//! `Db::connect`, as `baton serve` does) and the live schemas are compared — tables, columns
//! with type, nullability and default, primary keys and the other indexes.
use std::collections::BTreeMap;

use baton_server::db::Db;
use sqlx::Row;

use crate::pg;

/// A column as both engines can describe it.
#[derive(Debug, PartialEq, Eq, Clone)]
struct Column {
    ty: String,
    nullable: bool,
    default: Option<String>,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Table {
    columns: BTreeMap<String, Column>,
    primary_key: Vec<String>,
    /// `(columns, unique)` of every index but the primary key's.
    indexes: Vec<(Vec<String>, bool)>,
}

type Schema = BTreeMap<String, Table>;

/// One spelling per type: SQLite's `INTEGER PRIMARY KEY AUTOINCREMENT` is Postgres'
/// `BIGSERIAL`; both store 64-bit integers.
fn norm_type(ty: &str) -> String {
    match ty.to_ascii_lowercase().as_str() {
        "integer" | "int8" | "bigint" | "bigserial" => "bigint".into(),
        other => other.into(),
    }
}

/// `'queued'::text` (Postgres) is `'queued'` (SQLite); a sequence default is the
/// auto-increment both sides have and is left out.
fn norm_default(d: Option<String>) -> Option<String> {
    let d = d?;
    if d.starts_with("nextval(") {
        return None;
    }
    let d = d.split("::").next().unwrap_or_default().trim().to_owned();
    Some(d)
}

async fn sqlite_schema(url: &str) -> Schema {
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name NOT LIKE '_sqlx%' ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut schema = Schema::new();
    for t in tables {
        let mut table = Table::default();
        let cols = sqlx::query(&format!("PRAGMA table_info(\"{t}\")"))
            .fetch_all(&pool)
            .await
            .unwrap();
        let mut pk: Vec<(i64, String)> = Vec::new();
        for c in cols {
            let name: String = c.get("name");
            let pk_pos: i64 = c.get("pk");
            let notnull: i64 = c.get("notnull");
            if pk_pos > 0 {
                pk.push((pk_pos, name.clone()));
            }
            table.columns.insert(
                name,
                Column {
                    ty: norm_type(&c.get::<String, _>("type")),
                    // Postgres makes primary-key columns NOT NULL implicitly.
                    nullable: notnull == 0 && pk_pos == 0,
                    default: norm_default(c.get("dflt_value")),
                },
            );
        }
        pk.sort();
        table.primary_key = pk.into_iter().map(|(_, n)| n).collect();
        let indexes = sqlx::query(&format!("PRAGMA index_list(\"{t}\")"))
            .fetch_all(&pool)
            .await
            .unwrap();
        for i in indexes {
            let origin: String = i.get("origin");
            if origin == "pk" {
                continue;
            }
            let name: String = i.get("name");
            let unique: i64 = i.get("unique");
            let cols = sqlx::query(&format!("PRAGMA index_info(\"{name}\")"))
                .fetch_all(&pool)
                .await
                .unwrap();
            let mut cols: Vec<(i64, String)> = cols
                .iter()
                .map(|c| (c.get::<i64, _>("seqno"), c.get::<String, _>("name")))
                .collect();
            cols.sort();
            table
                .indexes
                .push((cols.into_iter().map(|(_, n)| n).collect(), unique == 1));
        }
        table.indexes.sort();
        schema.insert(t, table);
    }
    schema
}

async fn postgres_schema(url: &str) -> Schema {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap();
    let mut schema = Schema::new();
    let cols = sqlx::query(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text, \
         column_default::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx%'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for c in cols {
        let table: String = c.get(0);
        schema.entry(table).or_default().columns.insert(
            c.get(1),
            Column {
                ty: norm_type(&c.get::<String, _>(2)),
                nullable: c.get::<String, _>(3) == "YES",
                default: norm_default(c.get(4)),
            },
        );
    }
    let indexes = sqlx::query(
        "SELECT t.relname::text, i.indisprimary, i.indisunique, \
         array_to_string(array_agg(a.attname::text ORDER BY k.n), ',') \
         FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid \
         JOIN pg_namespace ns ON ns.oid = t.relnamespace \
         CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) \
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
         WHERE ns.nspname = 'public' AND t.relname NOT LIKE '\\_sqlx%' \
         GROUP BY t.relname, i.indexrelid, i.indisprimary, i.indisunique",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for i in indexes {
        let table: String = i.get(0);
        let primary: bool = i.get(1);
        let unique: bool = i.get(2);
        let cols: Vec<String> = i
            .get::<String, _>(3)
            .split(',')
            .map(str::to_owned)
            .collect();
        let t = schema.entry(table).or_default();
        if primary {
            t.primary_key = cols;
        } else {
            t.indexes.push((cols, unique));
        }
    }
    for t in schema.values_mut() {
        t.indexes.sort();
    }
    schema
}

#[tokio::test]
async fn sqlite_and_postgres_migrations_define_the_same_schema() {
    let Some(pg_url) = pg::fresh_database() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite_url = Db::sqlite_url(dir.path());
    Db::connect(&sqlite_url).await.unwrap().close().await;
    Db::connect(&pg_url).await.unwrap().close().await;
    let lite = sqlite_schema(&sqlite_url).await;
    let pg = postgres_schema(&pg_url).await;
    assert!(lite.len() >= 10, "tables found: {:?}", lite.keys());
    assert_eq!(
        lite.keys().collect::<Vec<_>>(),
        pg.keys().collect::<Vec<_>>(),
        "same tables"
    );
    for (name, table) in &lite {
        assert_eq!(
            Some(table),
            pg.get(name),
            "table {name}: SQLite (left) vs Postgres (right)"
        );
    }
}
