//! The relay's published contract, tried as an outside client author would (#22): for every
//! operation in the OpenAPI document the relay publishes, requests generated from the
//! document itself (path ids real or not, bodies from the schemas, some bent out of shape),
//! signed where the operation is signed (as a registered device or as the team's
//! coordinator, with a hook that follows the document's signature scheme), with right and
//! wrong secrets. Each answer must be a status the operation documents, JSON (unless 101 or
//! 204), valid against the documented response schema (checked with the `jsonschema`
//! crate), and never a 5xx. At least 5,000 cases, from a fixed seed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use ed25519_dalek::Signer as _;
use peerline_protocol::auth::{
    HEADER_NONCE, HEADER_SIGNATURE, HEADER_SIGNER, HEADER_TIMESTAMP, Signer, signing_message,
};
use peerline_protocol::b64;
use peerline_protocol::relay::{HEADER_BOX_SECRET, HEADER_STATUS_SECRET, Urgency};
use peerline_relay::Limits;
use peerline_testkit::*;
use serde_json::{Value, json};

/// Rules the relay enforces that a JSON Schema cannot state, each written in the field's
/// description in the document: a refusal for one of these is the documented kind.
const DOCUMENTED_RULES: &[&str] = &[
    // Time: relative to the relay's clock.
    "in the future",
    "in the past",
    // Cryptography: a key must be a curve point, a signature must verify, base64 must be
    // canonical.
    "is not an ed25519",
    "not base64",
    "is not valid for this key",
    "not signed by",
    // A WebSocket endpoint asked without the upgrade (its description says so).
    "takes a WebSocket connection",
];

/// Cases per operation: with the 37 operations, over 5,000 in all.
const PER_OPERATION: usize = 150;

/// What the generated requests can name: real ids and secrets of a team, a device, a
/// request and a box, so that some cases get past the checks into the handlers.
struct Fixture {
    team: TestTeam,
    device: TestDevice,
    request_id: String,
    status_secret: String,
    box_id: String,
    box_secret: String,
}

struct Operation {
    method: String,
    path: String,
    op: Value,
}

fn operations(doc: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if ["get", "put", "post", "delete"].contains(&method.as_str()) {
                out.push(Operation {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    op: op.clone(),
                });
            }
        }
    }
    out
}

/// Follows a `$ref` into the document's components.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => doc
            .pointer(r.trim_start_matches('#'))
            .unwrap_or(&Value::Null),
        None => schema,
    }
}

/// A value the schema allows (mostly), from the document alone.
fn generate(doc: &Value, schema: &Value, rng: &mut Rng, depth: usize) -> Value {
    let schema = resolve(doc, schema);
    if depth > 6 {
        return Value::Null;
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = serde_json::Map::new();
        for s in all {
            if let Value::Object(o) = generate(doc, s, rng, depth + 1) {
                merged.extend(o);
            }
        }
        return Value::Object(merged);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(choices) = schema.get(key).and_then(Value::as_array) {
            let s = rng.pick(choices);
            return generate(doc, s, rng, depth + 1);
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return rng.pick(values).clone();
    }
    let ty = match schema.get("type") {
        Some(Value::Array(types)) => rng.pick(types).as_str().unwrap_or("null").to_owned(),
        Some(Value::String(t)) => t.clone(),
        _ if schema.get("properties").is_some() => "object".into(),
        _ => "null".into(),
    };
    match ty.as_str() {
        "object" => {
            let mut o = serde_json::Map::new();
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (k, s) in props {
                    if required.contains(&k.as_str()) || rng.one_in(2) {
                        o.insert(k.clone(), generate(doc, s, rng, depth + 1));
                    }
                }
            }
            Value::Object(o)
        }
        "array" => {
            let items = schema.get("items").cloned().unwrap_or(Value::Null);
            Value::Array(
                (0..rng.below(4))
                    .map(|_| generate(doc, &items, rng, depth + 1))
                    .collect(),
            )
        }
        "integer" => {
            let min = schema.get("minimum").and_then(Value::as_i64).unwrap_or(0);
            json!(min + rng.below(2_000_000_000) as i64)
        }
        "number" => json!(rng.below(1000) as f64 / 7.0),
        "boolean" => json!(rng.one_in(2)),
        "string" if schema.get("pattern").is_some() => {
            // A value of the documented shape, most of the time.
            let pattern = schema["pattern"].as_str().unwrap_or_default();
            let shaped =
                jsonschema::validator_for(&json!({ "type": "string", "pattern": pattern }))
                    .ok()
                    .and_then(|v| {
                        let mut candidates = shaped_candidates(rng);
                        candidates.retain(|c| v.is_valid(&json!(c)));
                        candidates.first().cloned()
                    });
            match shaped {
                Some(c) if !rng.one_in(5) => json!(c),
                _ => json!("not-the-shape"),
            }
        }
        "string" => json!(*rng.pick(&[
            "",
            "x",
            "0123456789abcdef0123456789abcdef",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "roster",
            "now",
            "https://push.example.org/x",
            "\u{0}\u{7f}",
            "ünïcødé",
        ])),
        _ => Value::Null,
    }
}

/// Strings of the shapes the document names: ids, hashes, keys, signatures, key ids.
fn shaped_candidates(rng: &mut Rng) -> Vec<String> {
    let hex = |n: usize, rng: &mut Rng| -> String {
        rng.bytes(n).iter().map(|b| format!("{b:02x}")).collect()
    };
    let key = ed25519_dalek::SigningKey::from_bytes(&rng.bytes(32).try_into().unwrap());
    vec![
        hex(16, rng),
        hex(32, rng),
        b64::encode(key.verifying_key().as_bytes()),
        b64::encode(&rng.bytes(64)),
        rng.pick(&test_key_ids()).clone(),
    ]
}

/// Sometimes bends a body out of shape: a field dropped, a wrong type, an unknown field,
/// or no JSON at all.
fn mutate(mut v: Value, rng: &mut Rng) -> Vec<u8> {
    match rng.below(10) {
        0 => return b"{not json".to_vec(),
        1 => return b"[]".to_vec(),
        2 => {
            if let Value::Object(o) = &mut v
                && let Some(k) = o.keys().next().cloned()
            {
                o.remove(&k);
            }
        }
        3 => {
            if let Value::Object(o) = &mut v
                && let Some(k) = o.keys().next().cloned()
            {
                o.insert(k, json!({ "wrong": [1, 2, 3] }));
            }
        }
        4 => {
            if let Value::Object(o) = &mut v {
                o.insert("surprise".into(), json!(true));
            }
        }
        _ => {}
    }
    serde_json::to_vec(&v).unwrap()
}

/// A path parameter: a real id of the fixture (and `true`), or one that names nothing.
fn path_value(name: &str, f: &Fixture, rng: &mut Rng) -> (String, bool) {
    let real = match name {
        "team" => f.team.team_id.clone(),
        "id" => f.request_id.clone(),
        "box" => f.box_id.clone(),
        "kind" => rng.pick(&["roster", "directory"]).to_string(),
        _ => "0123456789abcdef0123456789abcdef".into(),
    };
    match rng.below(6) {
        0 => ("0".repeat(32), false),
        1 => ("not-an-id%20".into(), false),
        _ => (real, true),
    }
}

/// Signs a raw request as the document's scheme says.
fn sign(
    method: &str,
    path_and_query: &str,
    body: &[u8],
    signer: &Signer,
    key: &ed25519_dalek::SigningKey,
) -> Vec<(&'static str, String)> {
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let nonce: String = (0..16).map(|_| format!("{:02x}", rand_byte())).collect();
    let message = signing_message(method, path_and_query, timestamp, &nonce, signer, body);
    vec![
        (HEADER_SIGNER, signer.header_value()),
        (HEADER_TIMESTAMP, timestamp.to_string()),
        (HEADER_NONCE, nonce),
        (
            HEADER_SIGNATURE,
            b64::encode(&key.sign(&message).to_bytes()),
        ),
    ]
}

fn rand_byte() -> u8 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static STATE: AtomicU64 = AtomicU64::new(0x5eed_1234_abcd_ef01);
    let mut r = Rng(STATE.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed));
    r.next_u64() as u8
}

fn schemes(op: &Value) -> Vec<String> {
    op.get("security")
        .and_then(Value::as_array)
        .map(|reqs| {
            reqs.iter()
                .filter_map(Value::as_object)
                .flat_map(|r| r.keys().cloned())
                .collect()
        })
        .unwrap_or_default()
}

/// A validator for a documented response schema, with the document's components in reach.
fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"],
        "allOf": [schema],
    });
    jsonschema::validator_for(&root).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_operation_answers_as_documented_across_thousands_of_generated_requests() {
    let doc = peerline_relay::openapi_document();
    let r = TestRelay::start_limited(Limits {
        per_ip_per_sec: 1_000_000,
        per_ip_burst: 1_000_000,
        per_signer_per_sec: 1_000_000,
        per_signer_burst: 1_000_000,
        ..Limits::default()
    })
    .await;
    let team = r.team(180).await;
    let device = team.device().await;
    let status_secret = "conformance-status-secret-0001".to_owned();
    let request_id = "0123456789abcdef0123456789abcdef".to_owned();
    device
        .post(&request_id, Urgency::Now, b"sealed", &status_secret)
        .await
        .unwrap();
    // A real box, so box reads, appends and snapshots reach their handlers.
    let box_secret = "b".repeat(64);
    let box_id = "fedcba9876543210fedcba9876543210".to_owned();
    let token = tokens_for(&device, 1).await.unwrap().remove(0);
    r.anon()
        .create_box(
            &box_id,
            &peerline_protocol::relay::CreateBox {
                team_id: team.team_id.clone(),
                token,
                secret_hash: peerline_protocol::auth::secret_hash_hex(&box_secret),
            },
        )
        .await
        .unwrap();
    let f = Fixture {
        team,
        device,
        request_id,
        status_secret,
        box_id,
        box_secret,
    };
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();

    // Deletes last, so the request and box the others name are still there for them.
    let mut ops = operations(&doc);
    ops.sort_by_key(|o| o.method == "DELETE");
    assert!(
        ops.len() >= 30,
        "every operation is in the document: {}",
        ops.len()
    );
    let mut validators: BTreeMap<(String, String, String), jsonschema::Validator> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut cases = 0usize;
    let mut seen: BTreeMap<String, std::collections::BTreeSet<u16>> = BTreeMap::new();
    let mut rng = Rng(0x00c0_ffee_1234_5678);
    for o in &ops {
        let schemes = schemes(&o.op);
        let body_schema =
            o.op.pointer("/requestBody/content/application~1json/schema")
                .cloned();
        for _ in 0..PER_OPERATION {
            cases += 1;
            let mut path = o.path.clone();
            let mut real_path = true;
            while let Some(start) = path.find('{') {
                let end = start + path[start..].find('}').unwrap();
                let name = path[start + 1..end].to_owned();
                let (value, real) = path_value(&name, &f, &mut rng);
                real_path &= real;
                path.replace_range(start..=end, &value);
            }
            let body = body_schema
                .as_ref()
                .map(|s| mutate(generate(&doc, s, &mut rng, 0), &mut rng))
                .unwrap_or_default();
            // Does the body keep every rule the document states? Then a 400 would be a
            // refusal for a shape the document does not describe.
            let body_in_schema = match (&body_schema, serde_json::from_slice::<Value>(&body)) {
                (None, _) => body.is_empty(),
                (Some(schema), Ok(v)) => validators
                    .entry((o.method.clone(), o.path.clone(), "request".into()))
                    .or_insert_with(|| validator(&doc, schema))
                    .is_valid(&v),
                (Some(_), Err(_)) => false,
            };
            let mut headers: Vec<(&str, String)> = Vec::new();
            if schemes.iter().any(|s| s == "signed") {
                match rng.below(5) {
                    0 => {}
                    1 => headers.extend(sign(
                        &o.method,
                        &path,
                        b"another body",
                        &Signer::Device(f.device.device_id.clone()),
                        &f.device.key,
                    )),
                    2 | 3 => headers.extend(sign(
                        &o.method,
                        &path,
                        &body,
                        &Signer::Team(f.team.team_id.clone()),
                        &f.team.key,
                    )),
                    _ => headers.extend(sign(
                        &o.method,
                        &path,
                        &body,
                        &Signer::Device(f.device.device_id.clone()),
                        &f.device.key,
                    )),
                }
            }
            if schemes.iter().any(|s| s == "status_secret") && !rng.one_in(3) {
                let secret = if rng.one_in(3) {
                    "wrong"
                } else {
                    &f.status_secret
                };
                headers.push((HEADER_STATUS_SECRET, secret.to_owned()));
            }
            if schemes.iter().any(|s| s == "box_secret") && !rng.one_in(3) {
                let secret = if rng.one_in(3) {
                    "wrong"
                } else {
                    &f.box_secret
                };
                headers.push((HEADER_BOX_SECRET, secret.to_owned()));
            }
            if schemes.iter().any(|s| s == "admin_token") && !rng.one_in(3) {
                let token = if rng.one_in(3) { "wrong" } else { ADMIN };
                headers.push(("authorization", format!("Bearer {token}")));
            }
            let method = reqwest::Method::from_bytes(o.method.as_bytes()).unwrap();
            let mut req = http
                .request(method, format!("{}{path}", r.url))
                .body(body.clone());
            if !body.is_empty() {
                req = req.header("content-type", "application/json");
            }
            for (k, v) in &headers {
                req = req.header(*k, v);
            }
            let res = match req.send().await {
                Ok(res) => res,
                Err(e) => {
                    failures.push(format!("{} {path}: no answer: {e}", o.method));
                    continue;
                }
            };
            let status = res.status().as_u16();
            seen.entry(format!("{} {}", o.method, o.path))
                .or_default()
                .insert(status);
            let content_type = res
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let text = res.bytes().await.unwrap_or_default();
            let label = format!("{} {path} → {status}", o.method);
            if status >= 500 {
                failures.push(format!("{label}: a server error"));
                continue;
            }
            if status == 400 && real_path && body_in_schema {
                let message = serde_json::from_slice::<Value>(&text)
                    .ok()
                    .and_then(|v| v["message"].as_str().map(str::to_owned))
                    .unwrap_or_default();
                if !DOCUMENTED_RULES.iter().any(|r| message.contains(r)) {
                    failures.push(format!(
                        "{} {} → 400 for a request the schema allows: {message}",
                        o.method, o.path
                    ));
                }
            }
            let Some(documented) = o.op["responses"].get(status.to_string()) else {
                failures.push(format!(
                    "{} {} → {status}: not documented",
                    o.method, o.path
                ));
                continue;
            };
            if status == 101 || status == 204 {
                continue;
            }
            if !content_type.starts_with("application/json") {
                failures.push(format!("{label}: content-type {content_type:?}"));
                continue;
            }
            let Ok(value) = serde_json::from_slice::<Value>(&text) else {
                failures.push(format!("{label}: not JSON"));
                continue;
            };
            if let Some(schema) = documented.pointer("/content/application~1json/schema") {
                let key = (o.method.clone(), o.path.clone(), status.to_string());
                let v = validators
                    .entry(key)
                    .or_insert_with(|| validator(&doc, schema));
                if let Err(e) = v.validate(&value) {
                    failures.push(format!("{label}: answer off its schema: {e}"));
                }
            }
        }
    }
    assert!(cases >= 5_000, "{cases} cases");
    let succeeded = seen
        .values()
        .filter(|s| s.iter().any(|c| (200..300).contains(c)))
        .count();
    println!(
        "conformance: {cases} cases over {} operations ({succeeded} of them answered a success at least once), {} failures",
        ops.len(),
        failures.len()
    );
    // The run reached past the checks: many operations answered with success.
    assert!(
        succeeded >= 18,
        "only {succeeded} operations ever succeeded: {seen:?}"
    );
    assert!(
        failures.is_empty(),
        "{} of {cases} cases broke the contract, e.g.:\n{}",
        failures.len(),
        {
            let mut kinds: Vec<String> = failures.clone();
            kinds.sort();
            kinds.dedup();
            kinds.into_iter().take(40).collect::<Vec<_>>().join("\n")
        }
    );
}
