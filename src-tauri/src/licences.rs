//! The open-source components the app is built from, with their licences, for Settings →
//! About. `ui/public/third-party-licences.json` is generated from the Rust dependency graph
//! (`cargo metadata`: every crate the app links on any platform) and the UI's production
//! npm packages; it is checked in and shipped in the bundle. This test fails when it is
//! stale (see `generated`).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

use serde_json::{Value, json};

/// Crates reachable from the app through normal (not dev or build) dependencies.
fn rust_components(manifest_dir: &Path) -> Vec<Value> {
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(manifest_dir)
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata is JSON");
    let packages: BTreeMap<&str, &Value> = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| (p["id"].as_str().expect("id"), p))
        .collect();
    let nodes: BTreeMap<&str, &Value> = meta["resolve"]["nodes"]
        .as_array()
        .expect("resolve nodes")
        .iter()
        .map(|n| (n["id"].as_str().expect("id"), n))
        .collect();
    let root = packages
        .values()
        .find(|p| p["name"] == "peerline-app")
        .and_then(|p| p["id"].as_str())
        .expect("the app package");
    let mut seen = BTreeSet::from([root]);
    let mut queue = VecDeque::from([root]);
    while let Some(id) = queue.pop_front() {
        for dep in nodes[id]["deps"].as_array().into_iter().flatten() {
            let normal = dep["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k["kind"].is_null());
            let dep_id = dep["pkg"].as_str().expect("pkg");
            if normal && seen.insert(dep_id) {
                queue.push_back(dep_id);
            }
        }
    }
    seen.into_iter()
        .map(|id| packages[id])
        // Our own crates are under the workspace licence, stated in About.
        .filter(|p| p["source"].is_string())
        .map(|p| {
            json!({
                "name": p["name"],
                "version": p["version"],
                "licence": p["license"].as_str().unwrap_or("see its repository"),
                "from": "crates.io",
            })
        })
        .collect()
}

/// npm packages in the UI bundle: production dependencies and theirs.
fn npm_components(ui_dir: &Path) -> Vec<Value> {
    let read = |dir: &Path| -> Value {
        let text = std::fs::read_to_string(dir.join("package.json"))
            .unwrap_or_else(|e| panic!("{}: {e} (run npm ci in ui/)", dir.display()));
        serde_json::from_str(&text).expect("package.json is JSON")
    };
    let top = read(ui_dir);
    let mut seen = BTreeMap::new();
    let mut queue: VecDeque<String> = top["dependencies"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, _)| name.clone())
        .collect();
    while let Some(name) = queue.pop_front() {
        if seen.contains_key(&name) {
            continue;
        }
        let pkg = read(&ui_dir.join("node_modules").join(&name));
        for (dep, _) in pkg["dependencies"].as_object().into_iter().flatten() {
            queue.push_back(dep.clone());
        }
        seen.insert(name, pkg);
    }
    seen.into_values()
        .map(|p| {
            json!({
                "name": p["name"],
                "version": p["version"],
                "licence": p["license"].as_str().unwrap_or("see its repository"),
                "from": "npm",
            })
        })
        .collect()
}

fn render() -> String {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = rust_components(here);
    all.extend(npm_components(&here.join("../ui")));
    let mut text = serde_json::to_string_pretty(&all).expect("serializes");
    text.push('\n');
    text
}

#[test]
fn licences_are_fresh() {
    crate::generated::check_fresh("../ui/public/third-party-licences.json", &render());
}
