//! The structural checker: walks a JSON value against a description of the
//! input types and reports *every* structural problem (wrong type, unknown key,
//! bad enum value, missing key) with its path.
//!
//! Decoding itself is done by serde into the types of [`crate::model`]; serde
//! stops at the first problem, so when it fails this checker is run to list
//! them all. A unit test keeps the two in agreement.

use crate::error::{did_you_mean, Path, Problem};
use serde_json::Value;

pub(crate) enum Ty {
    Str,
    Bool,
    /// Any JSON value (record field data).
    Any,
    Enum(&'static [&'static str]),
    /// The type, or `null`.
    Null(&'static Ty),
    List(&'static Ty),
    /// An object with string keys and values of one type.
    Map(&'static Ty),
    Obj(&'static Schema),
    /// An object with exactly one of these keys, whose value is a string.
    OneKey(&'static [&'static str]),
    /// A record share: a `OneKey` of the share principals plus a required `access`.
    Share,
}

pub(crate) struct Schema {
    /// (key, type, required)
    pub fields: &'static [(&'static str, Ty, bool)],
}

const STR_LIST: Ty = Ty::List(&Ty::Str);
const ACCESS: &[&str] = &["read", "readWrite"];
const PRINCIPAL: Ty = Ty::OneKey(&["role", "roleAndSubordinates", "group"]);
const SHARE_KEYS: &[&str] = &["user", "group", "role", "roleAndSubordinates"];

pub(crate) static MODULE: Schema = Schema {
    fields: &[
        ("name", Ty::Str, true),
        ("defaultSharing", Ty::Enum(&["private", "publicRead", "publicReadWrite", "publicReadWriteDelete"]), false),
        ("recordSecurity", Ty::Bool, false),
        ("parent", Ty::Null(&Ty::Str), false),
        ("fields", Ty::Null(&STR_LIST), false),
        ("hierarchy", Ty::Bool, false),
        ("controlledByParent", Ty::Bool, false),
    ],
};
pub(crate) static ROLE: Schema = Schema { fields: &[("id", Ty::Str, true), ("parent", Ty::Null(&Ty::Str), false), ("profiles", STR_LIST, false)] };
static MODULE_PERMS: Schema = Schema {
    fields: &[
        ("view", Ty::Bool, false),
        ("create", Ty::Bool, false),
        ("edit", Ty::Bool, false),
        ("delete", Ty::Bool, false),
        ("fields", Ty::Map(&Ty::Enum(&["hidden", "readOnly", "editable"])), false),
    ],
};
pub(crate) static PROFILE: Schema = Schema {
    fields: &[("id", Ty::Str, true), ("viewAll", Ty::Bool, false), ("editAll", Ty::Bool, false), ("modules", Ty::Map(&Ty::Obj(&MODULE_PERMS)), false)],
};
pub(crate) static GROUP: Schema =
    Schema { fields: &[("id", Ty::Str, true), ("members", Ty::List(&Ty::OneKey(&["user", "role", "roleAndSubordinates", "group"])), false)] };
pub(crate) static USER: Schema = Schema {
    fields: &[
        ("id", Ty::Str, true),
        ("role", Ty::Null(&Ty::Str), false),
        ("profiles", STR_LIST, false),
        ("admin", Ty::Bool, false),
        ("active", Ty::Bool, false),
        ("teamLead", Ty::Bool, false),
        ("limitedCrm", Ty::Bool, false),
        ("limitedDeals", Ty::Bool, false),
        ("external", Ty::Bool, false),
        ("company", Ty::Null(&Ty::Str), false),
        ("readOnly", Ty::Bool, false),
        ("recordTypes", Ty::Null(&STR_LIST), false),
        ("canGrantAccess", Ty::Bool, false),
    ],
};
static WS_MEMBER: Schema = Schema { fields: &[("user", Ty::Str, true), ("readOnly", Ty::Bool, false)] };
pub(crate) static WORKSPACE: Schema = Schema {
    fields: &[
        ("id", Ty::Str, true),
        ("owner", Ty::Null(&Ty::Str), false),
        ("moderators", STR_LIST, false),
        ("auditors", STR_LIST, false),
        ("members", Ty::List(&Ty::Obj(&WS_MEMBER)), false),
        ("counterparty", Ty::Null(&Ty::Str), false),
        ("externalVisibility", Ty::Enum(&["all", "participating"]), false),
        ("invitePolicy", Ty::Enum(&["owner", "ownerAndModerators", "members"]), false),
    ],
};
pub(crate) static RULE: Schema = Schema {
    fields: &[
        ("id", Ty::Str, true),
        ("module", Ty::Str, true),
        ("from", PRINCIPAL, true),
        ("to", PRINCIPAL, true),
        ("access", Ty::Enum(ACCESS), true),
        ("related", Ty::Map(&Ty::Enum(ACCESS)), false),
    ],
};
pub(crate) static LIMITED: Schema = Schema {
    fields: &[
        ("companyModule", Ty::Str, true),
        ("modules", STR_LIST, false),
        ("dealModule", Ty::Null(&Ty::Str), false),
        ("contactModule", Ty::Null(&Ty::Str), false),
    ],
};
pub(crate) static RECORD: Schema = Schema {
    fields: &[
        ("id", Ty::Null(&Ty::Str), false),
        ("module", Ty::Str, true),
        ("owner", Ty::Null(&Ty::Str), false),
        ("parent", Ty::Null(&Ty::Str), false),
        ("company", Ty::Null(&Ty::Str), false),
        ("accountManagers", STR_LIST, false),
        ("createdBy", Ty::Null(&Ty::Str), false),
        ("workspaces", STR_LIST, false),
        ("assignees", STR_LIST, false),
        ("participants", STR_LIST, false),
        ("auditors", STR_LIST, false),
        ("type", Ty::Null(&Ty::Str), false),
        ("sharedWith", Ty::List(&Ty::Share), false),
        ("fields", Ty::Map(&Ty::Any), false),
    ],
};
pub(crate) static MODEL: Schema = Schema {
    fields: &[
        ("modules", Ty::List(&Ty::Obj(&MODULE)), true),
        ("roles", Ty::List(&Ty::Obj(&ROLE)), false),
        ("profiles", Ty::List(&Ty::Obj(&PROFILE)), false),
        ("groups", Ty::List(&Ty::Obj(&GROUP)), false),
        ("users", Ty::List(&Ty::Obj(&USER)), true),
        ("workspaces", Ty::List(&Ty::Obj(&WORKSPACE)), false),
        ("sharingRules", Ty::List(&Ty::Obj(&RULE)), false),
        ("limitedAccess", Ty::Null(&Ty::Obj(&LIMITED)), false),
        ("records", Ty::List(&Ty::Obj(&RECORD)), false),
        ("sliceFor", Ty::Null(&Ty::Str), false),
    ],
};

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn expected(ty: &Ty) -> String {
    match ty {
        Ty::Str => "a string".into(),
        Ty::Bool => "true or false".into(),
        Ty::Any => "any value".into(),
        Ty::Enum(vals) => format!("one of {}", vals.iter().map(|v| format!("\"{v}\"")).collect::<Vec<_>>().join(", ")),
        Ty::Null(t) => format!("{} or null", expected(t)),
        Ty::List(t) => format!("an array of {}", plural(t)),
        Ty::Map(_) | Ty::Obj(_) => "an object".into(),
        Ty::OneKey(keys) => format!("an object with exactly one of the keys {}", keys.join(", ")),
        Ty::Share => format!("an object with exactly one of the keys {} and \"access\"", SHARE_KEYS.join(", ")),
    }
}

fn plural(ty: &Ty) -> String {
    match ty {
        Ty::Str => "strings".into(),
        Ty::Obj(_) | Ty::Map(_) | Ty::OneKey(_) | Ty::Share => "objects".into(),
        other => format!("values ({})", expected(other)),
    }
}

/// Reports every structural problem of `v` as a `ty`, appending to `out`.
/// The recursion follows the schema, never the depth of the input (values of
/// type `Any` are not entered), so hostile nesting cannot overflow the stack.
pub(crate) fn check(v: &Value, ty: &Ty, path: &mut Path, out: &mut Vec<Problem>) {
    let wrong = |path: &Path, out: &mut Vec<Problem>| {
        out.push(Problem::new(path.as_str(), format!("expected {}, got {}", expected(ty), kind(v))));
    };
    match ty {
        Ty::Any => {}
        Ty::Str => {
            if !v.is_string() {
                wrong(path, out);
            }
        }
        Ty::Bool => {
            if !v.is_boolean() {
                wrong(path, out);
            }
        }
        Ty::Enum(vals) => match v.as_str() {
            Some(s) if vals.contains(&s) => {}
            Some(s) => {
                let mut p = Problem::new(path.as_str(), format!("\"{s}\" is not {}", expected(ty)));
                if let Some(m) = did_you_mean(s, vals.iter().copied()) {
                    p = p.with_help(format!("did you mean \"{m}\"?"));
                }
                out.push(p);
            }
            None => wrong(path, out),
        },
        Ty::Null(_) if v.is_null() => {}
        // a wrong scalar is reported as "expected X or null"; anything else is checked as X
        Ty::Null(Ty::Str) if !v.is_string() => wrong(path, out),
        Ty::Null(inner) => check(v, inner, path, out),
        Ty::List(item) => match v.as_array() {
            Some(items) => {
                for (i, it) in items.iter().enumerate() {
                    let at = path.index(i);
                    check(it, item, path, out);
                    path.pop(at);
                }
            }
            None => wrong(path, out),
        },
        Ty::Map(val) => match v.as_object() {
            Some(map) => {
                for (k, it) in map {
                    let at = path.key(k);
                    check(it, val, path, out);
                    path.pop(at);
                }
            }
            None => wrong(path, out),
        },
        Ty::OneKey(keys) => match v.as_object() {
            Some(map) => {
                let known: Vec<&String> = map.keys().filter(|k| keys.contains(&k.as_str())).collect();
                for k in map.keys().filter(|k| !keys.contains(&k.as_str())) {
                    let mut p = Problem::new(path.as_str(), format!("unknown key \"{k}\"; expected exactly one of {}", keys.join(", ")));
                    if let Some(m) = did_you_mean(k, keys.iter().copied()) {
                        p = p.with_help(format!("did you mean \"{m}\"?"));
                    }
                    out.push(p);
                }
                if known.len() > 1 {
                    out.push(Problem::new(path.as_str(), format!("has {} keys; give exactly one of {}", known.len(), keys.join(", "))));
                } else if known.is_empty() && map.keys().all(|k| keys.contains(&k.as_str())) {
                    out.push(Problem::new(path.as_str(), format!("is empty; give exactly one of {}", keys.join(", "))));
                }
                for k in known {
                    if !map[k].is_string() {
                        let at = path.key(k);
                        out.push(Problem::new(path.as_str(), format!("expected a string, got {}", kind(&map[k]))));
                        path.pop(at);
                    }
                }
            }
            None => wrong(path, out),
        },
        Ty::Share => match v.as_object() {
            Some(map) => {
                let mut principal = map.clone();
                let access = principal.remove("access");
                check(&Value::Object(principal), &Ty::OneKey(SHARE_KEYS), path, out);
                match access {
                    Some(a) => {
                        let at = path.key("access");
                        check(&a, &Ty::Enum(ACCESS), path, out);
                        path.pop(at);
                    }
                    None => out.push(Problem::new(path.as_str(), "missing required key \"access\"")),
                }
            }
            None => wrong(path, out),
        },
        Ty::Obj(schema) => match v.as_object() {
            Some(map) => {
                for (k, it) in map {
                    match schema.fields.iter().find(|(name, _, _)| name == k) {
                        Some((_, fty, _)) => {
                            let at = path.key(k);
                            check(it, fty, path, out);
                            path.pop(at);
                        }
                        None => {
                            let mut p = Problem::new(path.as_str(), format!("unknown key \"{k}\""));
                            if let Some(m) = did_you_mean(k, schema.fields.iter().map(|f| f.0)) {
                                p = p.with_help(format!("did you mean \"{m}\"?"));
                            } else {
                                let names: Vec<&str> = schema.fields.iter().map(|f| f.0).collect();
                                p = p.with_help(format!("known keys: {}", names.join(", ")));
                            }
                            out.push(p);
                        }
                    }
                }
                for (name, _, required) in schema.fields {
                    if *required && !map.contains_key(*name) {
                        out.push(Problem::new(path.as_str(), format!("missing required key \"{name}\"")));
                    }
                }
            }
            None => wrong(path, out),
        },
    }
}

/// Every structural problem of `v` as a `ty`, with paths under `root`.
pub(crate) fn problems(v: &Value, ty: &Ty, root: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    check(v, ty, &mut Path::root(root), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CrmRecord, Model};
    use serde_json::json;

    fn full_model() -> Value {
        json!({
            "modules": [{"name": "companies", "defaultSharing": "publicRead", "recordSecurity": true, "parent": null, "fields": ["a", "b"]},
                        {"name": "deals", "parent": "companies", "fields": null, "hierarchy": false, "controlledByParent": true}],
            "roles": [{"id": "r", "parent": null, "profiles": ["p"]}],
            "profiles": [{"id": "p", "viewAll": false, "editAll": false,
                          "modules": {"companies": {"view": true, "create": false, "edit": true, "delete": false, "fields": {"a": "hidden"}}}}],
            "groups": [{"id": "g", "members": [{"user": "u"}, {"role": "r"}, {"roleAndSubordinates": "r"}, {"group": "h"}]}],
            "users": [{"id": "u", "role": "r", "profiles": [], "admin": false, "active": true, "teamLead": false, "limitedCrm": false,
                       "limitedDeals": false, "external": false, "company": null, "readOnly": false, "recordTypes": ["x"], "canGrantAccess": false}],
            "workspaces": [{"id": "w", "owner": "u", "moderators": ["u"], "auditors": ["u"], "members": [{"user": "u", "readOnly": true}],
                            "counterparty": "c", "externalVisibility": "participating", "invitePolicy": "members"}],
            "sharingRules": [{"id": "s", "module": "companies", "from": {"role": "r"}, "to": {"group": "g"}, "access": "read", "related": {"deals": "readWrite"}}],
            "limitedAccess": {"companyModule": "companies", "modules": ["companies"], "dealModule": "deals", "contactModule": null},
            "records": [{"id": "c1", "module": "companies", "owner": "u", "parent": null, "company": null, "accountManagers": ["u"], "createdBy": "u",
                         "workspaces": ["w"], "assignees": [], "participants": ["u"], "auditors": [], "type": "x",
                         "sharedWith": [{"user": "u", "access": "read"}, {"roleAndSubordinates": "r", "access": "readWrite"}], "fields": {"a": {"deep": [1]}}}]
        })
    }

    /// Every node of `v`, as a JSON pointer.
    fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
        out.push(at.clone());
        match v {
            Value::Object(m) => m.iter().for_each(|(k, x)| pointers(x, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out)),
            Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| pointers(x, format!("{at}/{i}"), out)),
            _ => {}
        }
    }

    /// The strict decoder (the happy path) and the checker (the error report)
    /// must accept exactly the same inputs.
    fn agree<T: serde::de::DeserializeOwned>(v: &Value, ty: &Ty) {
        let text = v.to_string();
        let strict_ok = crate::strict::from_str::<T>(&text).is_ok();
        let out = problems(v, ty, "");
        assert_eq!(strict_ok, out.is_empty(), "strict decoder ok = {strict_ok}, checker found {out:?} in {v}");
    }

    #[test]
    fn arrays_are_never_accepted_in_place_of_objects() {
        let v = json!({"modules": [["m"]], "users": []});
        assert!(serde_json::from_value::<Model>(v.clone()).is_ok(), "serde alone accepts this");
        assert!(crate::strict::from_str::<Model>(&v.to_string()).is_err(), "the strict decoder does not");
        assert_eq!(problems(&v, &Ty::Obj(&MODEL), "")[0].path, "modules[0]");
    }

    #[test]
    fn checker_and_serde_agree_on_every_single_mutation_of_a_full_model() {
        let base = full_model();
        agree::<Model>(&base, &Ty::Obj(&MODEL));
        let mut ptrs = Vec::new();
        pointers(&base, String::new(), &mut ptrs);
        let replacements = [json!(null), json!(1), json!("x"), json!(true), json!([]), json!({}), json!([1]), json!({"zz": 1}), json!("private")];
        let mut tried = 0;
        for p in ptrs.iter().filter(|p| !p.is_empty()) {
            for r in &replacements {
                let mut v = base.clone();
                *v.pointer_mut(p).unwrap() = r.clone();
                agree::<Model>(&v, &Ty::Obj(&MODEL));
                tried += 1;
            }
            // an extra key on every object
            let mut v = base.clone();
            if let Some(obj) = v.pointer_mut(p).unwrap().as_object_mut() {
                obj.insert("unexpected".into(), json!(1));
                agree::<Model>(&v, &Ty::Obj(&MODEL));
            }
            // removing every key
            let (parent, key) = p.rsplit_once('/').unwrap();
            let mut v = base.clone();
            if let Some(obj) = v.pointer_mut(parent).and_then(|x| x.as_object_mut()) {
                obj.remove(&key.replace("~1", "/").replace("~0", "~"));
                agree::<Model>(&v, &Ty::Obj(&MODEL));
            }
        }
        assert!(tried > 500, "only {tried} mutations");
        let rec = base["records"][0].clone();
        agree::<CrmRecord>(&rec, &Ty::Obj(&RECORD));
    }

    #[test]
    fn checker_reports_paths_and_suggestions() {
        let mut out = Vec::new();
        let v = json!({"modules": [{"name": "m", "defaultSharing": "publicread"}], "users": [{"id": "u", "rol": "x"}]});
        check(&v, &Ty::Obj(&MODEL), &mut Path::default(), &mut out);
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(out[0].path, "modules[0].defaultSharing");
        assert_eq!(out[0].help.as_deref(), Some("did you mean \"publicRead\"?"));
        assert_eq!(out[1].path, "users[0]");
        assert_eq!(out[1].help.as_deref(), Some("did you mean \"role\"?"));
    }
}
