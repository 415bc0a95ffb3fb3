//! Generated files, kept current the rust-analyzer way (`ensure_file_contents`): each test
//! regenerates its file; if the committed copy differs it is rewritten and the test fails,
//! so a stale schema, example or rules twin can never pass CI unnoticed.
//!
//! - `schema/handoff-v1.schema.json` from the `HandoffV1` type (schemars);
//! - `examples/bundle.json` from the scripted demo conversation in `benches/support`;
//! - `data/routing.json`, the JSON twin of `data/routing.toml` the widget loads.
use std::fs;
use std::path::{Path, PathBuf};

use baton_engine::{verify, HandoffV1, RoutingRules, RulesError, SCHEMA_VERSION};

#[path = "../benches/support/mod.rs"]
mod support;

fn crate_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Rewrites `path` when its contents differ from `contents`, then fails the test.
fn ensure_file_contents(rel: &str, contents: &str) {
    let path = crate_file(rel);
    if let Ok(old) = fs::read_to_string(&path) {
        if old.replace("\r\n", "\n") == contents {
            return;
        }
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).unwrap();
    }
    fs::write(&path, contents).unwrap();
    panic!("{rel} was not up to date and has been updated; re-run the tests and commit it");
}

fn pretty(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap() + "\n"
}

fn schema_json() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(HandoffV1)).unwrap()
}

fn example_bundle() -> HandoffV1 {
    let conv = support::play(support::demo_policy(), &support::demo_steps());
    conv.bundle(support::demo_meta())
}

#[test]
fn schema_is_current() {
    ensure_file_contents("schema/handoff-v1.schema.json", &pretty(&schema_json()));
}

#[test]
fn example_bundle_is_current() {
    ensure_file_contents("examples/bundle.json", &pretty(&example_bundle()));
}

#[test]
fn routing_json_twin_is_current() {
    let toml = fs::read_to_string(crate_file("data/routing.toml")).unwrap();
    let rules = RoutingRules::from_toml(&toml).unwrap();
    ensure_file_contents("data/routing.json", &pretty(&rules));
    assert_eq!(rules, RoutingRules::builtin());
}

#[test]
fn example_validates_against_the_schema_and_round_trips() {
    let text = fs::read_to_string(crate_file("examples/bundle.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema_json()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "example breaks the schema: {errors:#?}");

    let parsed = HandoffV1::from_json(text.as_bytes()).unwrap();
    assert_eq!(parsed.schema, SCHEMA_VERSION);
    assert_eq!(
        pretty(&parsed),
        text,
        "parse → serialize changed the example"
    );
    assert_eq!(parsed, example_bundle());
}

#[test]
fn example_is_complete_and_redacted() {
    let b = example_bundle();
    assert_eq!(b.site, "demo");
    assert!(!b.reasons.is_empty(), "the demo conversation must escalate");
    assert!(!b.attempts.is_empty());
    assert!(!b.sentiment.is_empty());
    assert!(b.customer.id.is_some() && !b.customer.orders.is_empty());
    assert!(!b.summary.is_empty());
    let json = serde_json::to_string(&b).unwrap();
    assert!(!json.contains("4111 1111 1111 1111"), "card number leaked");
    assert!(json.contains("[card •••• 1111]"));
}

#[test]
fn schema_rejects_what_validate_rejects() {
    let validator = jsonschema::validator_for(&schema_json()).unwrap();
    let good = serde_json::to_value(example_bundle()).unwrap();
    assert!(validator.is_valid(&good));
    for (pointer, bad) in [
        ("/schema", serde_json::json!("baton.handoff/v2")),
        ("/id", serde_json::json!("not-a-uuid")),
        ("/reasons", serde_json::json!([])),
        ("/transcript/0/role", serde_json::json!("robot")),
        ("/route/priority", serde_json::json!("asap")),
    ] {
        let mut v = good.clone();
        *v.pointer_mut(pointer).unwrap() = bad;
        assert!(!validator.is_valid(&v), "schema accepted bad {pointer}");
        let body = serde_json::to_vec(&v).unwrap();
        let e = HandoffV1::from_json(&body).unwrap_err();
        let field = pointer.trim_start_matches('/').replace('/', ".");
        let field = field.replace(".0.", "[0].");
        assert_eq!(e.path, field, "{e}");
    }
}

#[test]
fn the_server_re_derives_the_example() {
    let b = example_bundle();
    let v = verify(&b, &support::demo_policy());
    assert!(v.same_policy);
    assert!(v.is_match(), "{v:#?}");
}

#[test]
fn rules_from_toml_name_the_rule_and_key() {
    let bad = r#"
        [[rules]]
        name = "big-refunds"
        queue = "billing"
        when = { triggers = ["high_risk"], min_amount = "a lot" }
    "#;
    assert_eq!(
        RoutingRules::from_toml(bad).unwrap_err(),
        RulesError::Invalid {
            rule: "big-refunds".into(),
            kind: "key `when.min_amount`: must be a number of at least 0".into(),
        }
    );
    let unknown =
        "[[rules]]\nname = \"x\"\nqueue = \"q\"\nprio = \"high\"\nwhen = { min_amount = 1 }\n";
    let e = RoutingRules::from_toml(unknown).unwrap_err().to_string();
    assert!(
        e.starts_with("routing rule `x`: key `prio`: unknown key"),
        "{e}"
    );
    let syntax = RoutingRules::from_toml("[[rules]\n").unwrap_err();
    assert!(matches!(syntax, RulesError::Parse(_)), "{syntax:?}");
}

#[test]
fn a_site_policy_with_rules_loads_from_toml_and_travels_as_json() {
    // The server reads `[policy]` from a site's TOML config and sends it to the widget as
    // JSON (GET /v1/sites/{site}/config); both must give the same policy.
    let site = r#"
        refund_threshold = 250
        currency = "EUR"
        confidence_threshold = 0.7

        [routing.default]
        queue = "support"

        [[routing.rules]]
        name = "vip"
        queue = "senior"
        priority = "high"
        when = { tiers = ["vip"] }
    "#;
    let policy: baton_engine::Policy = toml::from_str(site).unwrap();
    assert_eq!(policy.validate(), Ok(()));
    assert_eq!(policy.routing.rules()[0].name, "vip");
    let json = serde_json::to_string(&policy).unwrap();
    let back: baton_engine::Policy = serde_json::from_str(&json).unwrap();
    assert_eq!(back, policy);
    assert_eq!(back.config_hash(), policy.config_hash());

    let bad = site.replace("tiers = [\"vip\"]", "tiers = \"vip\"");
    let e = toml::from_str::<baton_engine::Policy>(&bad)
        .unwrap_err()
        .to_string();
    assert!(e.contains("routing rule `vip`: key `when.tiers`"), "{e}");
}
