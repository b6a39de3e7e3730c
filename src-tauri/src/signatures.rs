//! Each IPC command's arguments and result, read from the command functions themselves
//! (parsed with `syn`), so the UI's `Commands` map cannot drift from what the shell takes
//! and returns. Tauri's injected parameters (`State`, `AppHandle`, windows) are not
//! arguments; argument names cross in camelCase, as Tauri maps them.

use std::collections::BTreeMap;

use syn::{FnArg, GenericArgument, Item, Pat, PathArguments, ReturnType, Type};

/// The files that hold `#[tauri::command]` functions.
const SOURCES: [(&str, &str); 7] = [
    ("commands.rs", include_str!("commands.rs")),
    ("console_commands.rs", include_str!("console_commands.rs")),
    ("desktop_commands.rs", include_str!("desktop_commands.rs")),
    (
        "directory_commands.rs",
        include_str!("directory_commands.rs"),
    ),
    ("sync_commands.rs", include_str!("sync_commands.rs")),
    ("talk_commands.rs", include_str!("talk_commands.rs")),
    ("wellness_commands.rs", include_str!("wellness_commands.rs")),
];

/// Parameters Tauri supplies itself rather than the caller.
const INJECTED: [&str; 4] = ["State", "AppHandle", "Window", "WebviewWindow"];

/// One command as the UI calls it.
#[derive(Debug, PartialEq, Eq)]
pub struct Signature {
    /// `(camelCase name, TypeScript type)` in declaration order.
    pub args: Vec<(String, String)>,
    /// The TypeScript type of a successful answer (errors are always `ErrorBody`).
    pub result: String,
}

/// Every command function in the sources, by name. `known` holds the names of the types
/// rendered into `bindings.ts`; a command that uses any other named type is an error, so
/// the generated file never refers to a type it does not declare.
pub fn read(known: &[String]) -> Result<BTreeMap<String, Signature>, String> {
    let mut out = BTreeMap::new();
    for (file, text) in SOURCES {
        let parsed = syn::parse_file(text).map_err(|e| format!("{file}: {e}"))?;
        for item in parsed.items {
            let Item::Fn(f) = item else { continue };
            if !f.attrs.iter().any(is_command_attr) {
                continue;
            }
            let name = f.sig.ident.to_string();
            let sig = signature(&f.sig, known).map_err(|e| format!("{file}: `{name}`: {e}"))?;
            if out.insert(name.clone(), sig).is_some() {
                return Err(format!("{file}: `{name}` is defined twice"));
            }
        }
    }
    Ok(out)
}

/// One command function's arguments (without Tauri's injected ones) and result.
fn signature(sig: &syn::Signature, known: &[String]) -> Result<Signature, String> {
    let mut args = Vec::new();
    for input in &sig.inputs {
        let FnArg::Typed(arg) = input else {
            return Err("takes self".into());
        };
        if is_injected(&arg.ty) {
            continue;
        }
        let Pat::Ident(ident) = &*arg.pat else {
            return Err("an argument is a pattern, not a name".into());
        };
        args.push((
            camel_case(&ident.ident.to_string()),
            ts_type(&arg.ty, known)?,
        ));
    }
    let result = match &sig.output {
        ReturnType::Default => "null".to_string(),
        ReturnType::Type(_, ty) => ts_type(ok_type(ty), known)?,
    };
    Ok(Signature { args, result })
}

fn is_command_attr(attr: &syn::Attribute) -> bool {
    let segments: Vec<String> = attr
        .path()
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    segments == ["tauri", "command"] || segments == ["command"]
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) => p.path.segments.last(),
        Type::Reference(r) => last_segment(&r.elem),
        _ => None,
    }
}

fn is_injected(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|s| INJECTED.contains(&s.ident.to_string().as_str()))
}

/// `T` of `Result<T, _>` or of the shell's `Res<T>`; any other type as it is.
fn ok_type(ty: &Type) -> &Type {
    match last_segment(ty) {
        Some(s) if s.ident == "Result" || s.ident == "Res" => first_generic(s).unwrap_or(ty),
        _ => ty,
    }
}

fn first_generic(segment: &syn::PathSegment) -> Option<&Type> {
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// The TypeScript spelling of a Rust type, as ts-rs renders the same type in a field.
fn ts_type(ty: &Type, known: &[String]) -> Result<String, String> {
    if let Type::Tuple(t) = ty
        && t.elems.is_empty()
    {
        return Ok("null".into());
    }
    let segment = last_segment(ty).ok_or_else(|| "a type that is not a path".to_string())?;
    let name = segment.ident.to_string();
    let inner = || {
        first_generic(segment)
            .ok_or_else(|| format!("{name} without its type argument"))
            .and_then(|t| ts_type(t, known))
    };
    Ok(match name.as_str() {
        "String" | "str" | "PathBuf" => "string".into(),
        "bool" => "boolean".into(),
        "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "f32" | "f64" => {
            "number".into()
        }
        "Option" => format!("{} | null", inner()?),
        "Vec" => {
            let item = inner()?;
            if item.contains(' ') {
                format!("Array<{item}>")
            } else {
                format!("{item}[]")
            }
        }
        _ if known.contains(&name) => name,
        _ => return Err(format!("`{name}` is not rendered into bindings.ts")),
    })
}

fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Vec<String> {
        vec!["VaultStatus".into(), "Hit".into()]
    }

    fn one(src: &str) -> Result<Signature, String> {
        let parsed = syn::parse_file(src).map_err(|e| e.to_string())?;
        let Some(Item::Fn(f)) = parsed.items.into_iter().next() else {
            return Err("no fn".into());
        };
        signature(&f.sig, &known())
    }

    #[test]
    fn reads_arguments_and_results() {
        let sig = one(
            "fn vault_set(state: State<'_, AppState>, app: tauri::AppHandle, new_passcode: Option<String>, days: u32) -> Res<Option<VaultStatus>> {}",
        )
        .unwrap();
        assert_eq!(
            sig.args,
            vec![
                ("newPasscode".to_string(), "string | null".to_string()),
                ("days".to_string(), "number".to_string()),
            ]
        );
        assert_eq!(sig.result, "VaultStatus | null");
        assert_eq!(one("fn f() -> Vec<Hit> {}").unwrap().result, "Hit[]");
        assert_eq!(one("fn f() {}").unwrap().result, "null");
        assert_eq!(one("fn f() -> Res<()> {}").unwrap().result, "null");
        assert_eq!(
            one("fn f() -> Vec<Option<Hit>> {}").unwrap().result,
            "Array<Hit | null>"
        );
    }

    #[test]
    fn refuses_a_type_the_bindings_do_not_declare() {
        let err = one("fn f(x: Secret) {}").unwrap_err();
        assert!(err.contains("Secret"), "{err}");
    }

    #[test]
    fn every_handled_command_has_a_signature_and_no_other() {
        let known: Vec<String> = crate::bindings::declared_names();
        let read = read(&known).unwrap();
        let handled: Vec<&str> = crate::COMMAND_NAMES.to_vec();
        let mut handled_sorted = handled.clone();
        handled_sorted.sort_unstable();
        let parsed: Vec<&str> = read.keys().map(String::as_str).collect();
        assert_eq!(parsed, handled_sorted);
    }
}
