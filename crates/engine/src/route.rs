//! Routing rules as data: the first matching rule picks the queue and priority.
//!
//! Rules are plain data (`data/routing.toml` holds the built-in seed) so a site owner changes
//! routing by editing a file, never code. Every way in — TOML on the server, JSON in the
//! widget's site config, the built-in JSON twin — goes through one checker
//! (`RoutingRules::from_value`), so a bad rule fails the same way everywhere, naming the rule
//! and the key.
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::decision::Trigger;
use crate::detect::Topic;

/// How urgently a human must pick the handoff up.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Can wait.
    Low,
    /// The usual.
    #[default]
    Normal,
    /// Ahead of normal work.
    High,
    /// Drop everything.
    Urgent,
}

/// Where a handoff goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Name of the human queue, e.g. `billing`.
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 64)))]
    pub queue: String,
    /// Priority in that queue.
    pub priority: Priority,
    /// Name of the rule that matched (`default` when none did).
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = 64)))]
    pub rule: String,
}

/// The facts routing rules match on, gathered by the engine at escalation time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RouteInput {
    /// Every trigger that fired.
    pub triggers: Vec<Trigger>,
    /// Topic of the conversation.
    pub topic: Topic,
    /// Customer tier (`plan` attribute), e.g. `enterprise`.
    pub tier: Option<String>,
    /// Customer lifetime value in the site's currency.
    pub customer_value: Option<f64>,
    /// Lowest customer sentiment seen, -1 (furious) to 1 (delighted).
    pub sentiment: f32,
    /// Largest money amount the customer mentioned.
    pub amount: Option<f64>,
}

/// A rule set that failed to load, naming the rule and what is wrong.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RulesError {
    /// The text is not TOML (or JSON) at all; the message carries line and column.
    #[error("routing rules: {0}")]
    Parse(String),
    /// A rule is well-formed text but unusable: unknown key, wrong type, value out of range.
    #[error("routing rule `{rule}`: {kind}")]
    Invalid {
        /// Name of the rule (`rules[3]` when it has no usable name, `default` for the
        /// default route, `(top level)` for the file itself).
        rule: String,
        /// What is wrong, starting with the offending key, e.g. ``key `when.min_amount`: must
        /// be a number``.
        kind: String,
    },
}

/// The default route of a rule set: where a handoff goes when no rule matches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DefaultRoute {
    /// Queue name.
    pub queue: String,
    /// Priority.
    pub priority: Priority,
}

/// One routing rule: when every condition in `when` holds, send to `queue` at `priority`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rule {
    /// Unique, stable name; reported in `Route::rule` so an agent sees why it got the case.
    pub name: String,
    /// The conditions, all of which must hold.
    pub when: Match,
    /// Queue name.
    pub queue: String,
    /// Priority.
    pub priority: Priority,
}

/// The conditions of a rule. Empty lists and `None` mean "don't care"; at least one
/// condition is required (a catch-all is what `default` is for).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Match {
    /// Holds when any of these triggers fired.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<Trigger>,
    /// Holds when the conversation's topic is one of these.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<Topic>,
    /// Holds when the customer's tier is one of these (ASCII case-insensitive).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<String>,
    /// Holds when the customer's lifetime value is known and at least this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_customer_value: Option<f64>,
    /// Holds when the lowest customer sentiment is at most this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_sentiment: Option<f32>,
    /// Holds when the customer mentioned an amount of at least this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_amount: Option<f64>,
}

impl Match {
    fn is_empty(&self) -> bool {
        self.triggers.is_empty()
            && self.topics.is_empty()
            && self.tiers.is_empty()
            && self.min_customer_value.is_none()
            && self.max_sentiment.is_none()
            && self.min_amount.is_none()
    }

    /// Whether every condition holds for `input`.
    pub fn matches(&self, input: &RouteInput) -> bool {
        (self.triggers.is_empty() || self.triggers.iter().any(|t| input.triggers.contains(t)))
            && (self.topics.is_empty() || self.topics.contains(&input.topic))
            && (self.tiers.is_empty()
                || input
                    .tier
                    .as_deref()
                    .is_some_and(|tier| self.tiers.iter().any(|t| t.eq_ignore_ascii_case(tier))))
            && self
                .min_customer_value
                .is_none_or(|min| input.customer_value.is_some_and(|v| v >= min))
            && self.max_sentiment.is_none_or(|max| input.sentiment <= max)
            && self
                .min_amount
                .is_none_or(|min| input.amount.is_some_and(|a| a >= min))
    }
}

/// An ordered list of routing rules with a default route. See `data/routing.toml`.
///
/// Serializes to JSON as `{"default":{queue,priority},"rules":[{name,when,queue,priority}]}`
/// and deserializes (from JSON or TOML) through the same checks as `from_toml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value")]
pub struct RoutingRules {
    default: DefaultRoute,
    rules: Vec<Rule>,
}

impl TryFrom<Value> for RoutingRules {
    type Error = RulesError;

    fn try_from(value: Value) -> Result<Self, RulesError> {
        RoutingRules::from_value(&value)
    }
}

/// The JSON twin of `data/routing.toml`, generated by `tests/schema.rs` so the widget loads
/// the seed rules without a TOML parser in its wasm.
const BUILTIN_JSON: &str = include_str!("../data/routing.json");

/// The built-in rules, parsed once per process (every `Policy::default()` clones them).
fn builtin_rules() -> &'static RoutingRules {
    static BUILTIN: OnceLock<RoutingRules> = OnceLock::new();
    BUILTIN.get_or_init(|| {
        // The file is compiled in and `tests/schema.rs` checks that it loads and equals
        // `routing.toml`, so failing here is a build defect, not bad input.
        #[allow(clippy::expect_used)]
        serde_json::from_str(BUILTIN_JSON).expect("data/routing.json is valid")
    })
}

impl RoutingRules {
    /// The seed rules shipped in `data/routing.toml`.
    pub fn builtin() -> Self {
        builtin_rules().clone()
    }

    /// True when these are the built-in rules (used to keep serialized policies short).
    pub fn is_builtin(&self) -> bool {
        self == builtin_rules()
    }

    /// The rules, in match order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Where a handoff goes when no rule matches.
    pub fn default_route(&self) -> &DefaultRoute {
        &self.default
    }

    /// Picks the route for an escalation: the first matching rule wins, else the default.
    pub fn route(&self, input: &RouteInput) -> Route {
        match self.rules.iter().find(|r| r.when.matches(input)) {
            Some(rule) => Route {
                queue: rule.queue.clone(),
                priority: rule.priority,
                rule: rule.name.clone(),
            },
            None => Route {
                queue: self.default.queue.clone(),
                priority: self.default.priority,
                rule: "default".into(),
            },
        }
    }

    /// Parses and checks a routing file (`[default]` plus `[[rules]]`, see `data/routing.toml`).
    #[cfg(feature = "toml")]
    pub fn from_toml(text: &str) -> Result<Self, RulesError> {
        let value: Value = toml::from_str(text).map_err(|e| RulesError::Parse(e.to_string()))?;
        Self::from_value(&value)
    }

    /// Parses and checks rules given as JSON text (the shape `serde_json::to_string` writes).
    pub fn from_json(text: &str) -> Result<Self, RulesError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| RulesError::Parse(e.to_string()))?;
        Self::from_value(&value)
    }

    /// Checks a rule set given as a JSON value, key by key, so every error names the rule and
    /// the key. All other constructors end here.
    pub fn from_value(value: &Value) -> Result<Self, RulesError> {
        let top = "(top level)";
        let obj = value
            .as_object()
            .ok_or_else(|| invalid(top, "", "must be a table with `default` and `rules`"))?;
        reject_unknown(top, "", obj, &["default", "rules"])?;
        let default = match obj.get("default") {
            None => DefaultRoute {
                queue: "general".into(),
                priority: Priority::Normal,
            },
            Some(v) => {
                let t = v
                    .as_object()
                    .ok_or_else(|| invalid("default", "default", "must be a table"))?;
                reject_unknown("default", "", t, &["queue", "priority"])?;
                DefaultRoute {
                    queue: queue_name("default", t)?,
                    priority: priority("default", t)?,
                }
            }
        };
        let list = match obj.get("rules") {
            None => &Vec::new(),
            Some(Value::Array(list)) => list,
            Some(_) => return Err(invalid(top, "rules", "must be an array of tables")),
        };
        let mut rules: Vec<Rule> = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            let fallback = format!("rules[{i}]");
            let t = item
                .as_object()
                .ok_or_else(|| invalid(&fallback, "", "must be a table"))?;
            let name = match t.get("name") {
                Some(Value::String(s)) if is_ident(s) => s.clone(),
                Some(_) => {
                    return Err(invalid(
                        &fallback,
                        "name",
                        "must be 1-64 characters of a-z, A-Z, 0-9, `-`, `_`, `.`",
                    ))
                }
                None => return Err(invalid(&fallback, "name", "is required")),
            };
            if name == "default" || rules.iter().any(|r| r.name == name) {
                return Err(invalid(&name, "name", "is used twice (or is `default`)"));
            }
            reject_unknown(&name, "", t, &["name", "when", "queue", "priority"])?;
            let when = match t.get("when") {
                Some(Value::Object(w)) => parse_match(&name, w)?,
                Some(_) => return Err(invalid(&name, "when", "must be a table")),
                None => return Err(invalid(&name, "when", "is required")),
            };
            rules.push(Rule {
                queue: queue_name(&name, t)?,
                priority: priority(&name, t)?,
                when,
                name,
            });
        }
        Ok(RoutingRules { default, rules })
    }
}

fn invalid(rule: &str, key: &str, what: &str) -> RulesError {
    let kind = if key.is_empty() {
        what.to_owned()
    } else {
        format!("key `{key}`: {what}")
    };
    RulesError::Invalid {
        rule: rule.to_owned(),
        kind,
    }
}

fn reject_unknown(
    rule: &str,
    prefix: &str,
    table: &Map<String, Value>,
    known: &[&str],
) -> Result<(), RulesError> {
    match table.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(invalid(
            rule,
            &format!("{prefix}{k}"),
            &format!("unknown key, expected one of {}", known.join(", ")),
        )),
        None => Ok(()),
    }
}

/// Rule and queue names end up in URLs, metrics labels and logs: keep them plain.
fn is_ident(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn queue_name(rule: &str, t: &Map<String, Value>) -> Result<String, RulesError> {
    match t.get("queue") {
        Some(Value::String(s)) if is_ident(s) => Ok(s.clone()),
        Some(_) => Err(invalid(
            rule,
            "queue",
            "must be 1-64 characters of a-z, A-Z, 0-9, `-`, `_`, `.`",
        )),
        None => Err(invalid(rule, "queue", "is required")),
    }
}

fn priority(rule: &str, t: &Map<String, Value>) -> Result<Priority, RulesError> {
    match t.get("priority") {
        None => Ok(Priority::Normal),
        Some(v) => Priority::deserialize(v)
            .map_err(|_| invalid(rule, "priority", "must be one of low, normal, high, urgent")),
    }
}

fn parse_match(rule: &str, w: &Map<String, Value>) -> Result<Match, RulesError> {
    reject_unknown(
        rule,
        "when.",
        w,
        &[
            "triggers",
            "topics",
            "tiers",
            "min_customer_value",
            "max_sentiment",
            "min_amount",
        ],
    )?;
    let m = Match {
        triggers: list(
            rule,
            w,
            "triggers",
            |v| Trigger::deserialize(v).ok(),
            "human_request, restatement, low_confidence, frustration, high_risk",
        )?,
        topics: list(
            rule,
            w,
            "topics",
            |v| Topic::deserialize(v).ok(),
            "billing, technical, account, shipping, general",
        )?,
        tiers: list(
            rule,
            w,
            "tiers",
            |v| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned),
            "non-empty strings",
        )?,
        min_customer_value: number(rule, w, "min_customer_value", 0.0, f64::MAX)?,
        max_sentiment: number(rule, w, "max_sentiment", -1.0, 1.0)?.map(|v| v as f32),
        min_amount: number(rule, w, "min_amount", 0.0, f64::MAX)?,
    };
    if m.is_empty() {
        return Err(invalid(
            rule,
            "when",
            "needs at least one condition (use `default` for a catch-all)",
        ));
    }
    Ok(m)
}

fn list<T>(
    rule: &str,
    w: &Map<String, Value>,
    key: &str,
    item: impl Fn(&Value) -> Option<T>,
    expected: &str,
) -> Result<Vec<T>, RulesError> {
    let Some(v) = w.get(key) else {
        return Ok(Vec::new());
    };
    let bad = || {
        invalid(
            rule,
            &format!("when.{key}"),
            &format!("must be a non-empty list of: {expected}"),
        )
    };
    let items = v.as_array().filter(|a| !a.is_empty()).ok_or_else(bad)?;
    items.iter().map(|v| item(v).ok_or_else(bad)).collect()
}

fn number(
    rule: &str,
    w: &Map<String, Value>,
    key: &str,
    min: f64,
    max: f64,
) -> Result<Option<f64>, RulesError> {
    match w.get(key) {
        None => Ok(None),
        Some(v) => match v.as_f64() {
            Some(n) if n.is_finite() && (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(invalid(
                rule,
                &format!("when.{key}"),
                &if max == f64::MAX {
                    format!("must be a number of at least {min}")
                } else {
                    format!("must be a number from {min} to {max}")
                },
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(triggers: &[Trigger], topic: Topic) -> RouteInput {
        RouteInput {
            triggers: triggers.to_vec(),
            topic,
            ..RouteInput::default()
        }
    }

    fn check(input: RouteInput, queue: &str, priority: Priority, rule: &str) {
        let got = RoutingRules::builtin().route(&input);
        assert_eq!(
            (got.queue.as_str(), got.priority, got.rule.as_str()),
            (queue, priority, rule),
            "{input:?}"
        );
    }

    #[test]
    fn seed_rules_route_as_the_design_says() {
        use Trigger::*;
        // Refunds and money at risk go to billing.
        check(
            RouteInput {
                amount: Some(240.0),
                ..input(&[HighRisk], Topic::Billing)
            },
            "billing",
            Priority::High,
            "money-at-risk",
        );
        check(
            RouteInput {
                amount: Some(5000.0),
                ..input(&[HighRisk], Topic::General)
            },
            "billing",
            Priority::Urgent,
            "large-money-at-risk",
        );
        check(
            input(&[HighRisk], Topic::Billing),
            "billing",
            Priority::High,
            "billing-risk",
        );
        // Integration errors go to technical.
        check(
            input(&[Restatement], Topic::Technical),
            "technical",
            Priority::Normal,
            "technical-errors",
        );
        // High value or high anger go to senior, even when the topic says billing.
        check(
            RouteInput {
                tier: Some("Enterprise".into()),
                amount: Some(5000.0),
                ..input(&[HighRisk], Topic::Billing)
            },
            "senior",
            Priority::High,
            "high-value-tier",
        );
        check(
            RouteInput {
                customer_value: Some(25_000.0),
                ..input(&[HumanRequest], Topic::Shipping)
            },
            "senior",
            Priority::High,
            "high-value-spend",
        );
        check(
            RouteInput {
                sentiment: -0.9,
                tier: Some("vip".into()),
                ..input(&[Frustration], Topic::Technical)
            },
            "senior",
            Priority::Urgent,
            "furious-customer",
        );
        // Mild annoyance is not "high anger".
        check(
            RouteInput {
                sentiment: -0.4,
                ..input(&[Frustration], Topic::Shipping)
            },
            "general",
            Priority::High,
            "angry-customer",
        );
        check(
            input(&[HumanRequest], Topic::Shipping),
            "general",
            Priority::Normal,
            "default",
        );
        // A value below the bar, or an unknown one, is not high value.
        check(
            RouteInput {
                customer_value: Some(9_999.0),
                ..input(&[HumanRequest], Topic::General)
            },
            "general",
            Priority::Normal,
            "default",
        );
    }

    #[test]
    fn rules_round_trip_through_json() {
        let rules = RoutingRules::builtin();
        let json = serde_json::to_string(&rules).unwrap();
        let back: RoutingRules = serde_json::from_str(&json).unwrap();
        assert_eq!(back, rules);
        assert!(rules.rules().len() >= 5);
    }

    fn err(json: &str) -> String {
        match RoutingRules::from_json(json) {
            Ok(_) => panic!("accepted {json}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn errors_name_the_rule_and_key() {
        let rule = |body: &str| format!(r#"{{"rules":[{{"name":"r1","queue":"q",{body}}}]}}"#);
        assert_eq!(
            err(&rule(r#""when":{"min_amount":"lots"}"#)),
            "routing rule `r1`: key `when.min_amount`: must be a number of at least 0"
        );
        assert_eq!(
            err(&rule(r#""when":{"max_sentiment":-3}"#)),
            "routing rule `r1`: key `when.max_sentiment`: must be a number from -1 to 1"
        );
        assert!(err(&rule(r#""when":{"triggers":["angry"]}"#))
            .starts_with("routing rule `r1`: key `when.triggers`: must be a non-empty list"));
        assert!(err(&rule(r#""when":{"topic":["billing"]}"#))
            .starts_with("routing rule `r1`: key `when.topic`: unknown key"));
        assert!(err(&rule(r#""when":{}"#)).starts_with("routing rule `r1`: key `when`: needs"));
        assert!(err(&rule(r#""when":{"min_amount":1},"priority":"asap""#))
            .starts_with("routing rule `r1`: key `priority`: must be one of"));
        assert_eq!(
            err(r#"{"rules":[{"queue":"q","when":{"min_amount":1}}]}"#),
            "routing rule `rules[0]`: key `name`: is required"
        );
        assert!(err(r#"{"default":{"queue":"a b"}}"#)
            .starts_with("routing rule `default`: key `queue`: must be"));
        let twice = r#"{"rules":[{"name":"a","queue":"q","when":{"min_amount":1}},
                                 {"name":"a","queue":"q","when":{"min_amount":2}}]}"#;
        assert!(err(twice).starts_with("routing rule `a`: key `name`: is used twice"));
        assert!(err("{").starts_with("routing rules: "));
    }

    #[test]
    fn empty_rule_set_routes_everything_to_default() {
        let rules = RoutingRules::from_json("{}").unwrap();
        let route = rules.route(&input(&[Trigger::HighRisk], Topic::Billing));
        assert_eq!(route.queue, "general");
        assert_eq!(route.rule, "default");
    }
}
