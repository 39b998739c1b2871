//! The page protocol's JSDoc typedefs (`web/static/types.js`), written from the Rust types.
//!
//! The host page is plain JavaScript checked by `tsc --checkJs`, so its view of the WebSocket
//! must be JSDoc. Rather than keep a second, hand-written copy of [`PageInput`] and
//! [`PageOutput`] (which drifted: it declared outputs the page never received), the schema
//! that `schemars` derives from the types and their serde attributes (tags, camelCase,
//! optional fields) is turned into typedefs here. Inputs are described as the server
//! deserializes them (a field with a default may be left out), outputs as it serializes them
//! (every field present, `null` when empty).
//!
//! `cargo run -p callhost-protocol --example page-types` writes the file; a test
//! (`tests/page_types.rs`) fails when the committed file differs from [`render`]'s output.
//! Only the schema shapes these types use are supported; anything else panics, so a new
//! shape is noticed when the file is generated, not in the browser.

use std::collections::BTreeMap;

use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde_json::{Map, Value};

use crate::engine::{PageInput, PageOutput};

/// The first lines of the generated file.
const HEADER: &str = "\
// The host page's WebSocket protocol, as JSDoc typedefs. Generated from the Rust types in
// crates/protocol/src/engine/io.rs by `cargo run -p callhost-protocol --example page-types`:
// do not edit; crates/protocol/tests/page_types.rs fails when this file is stale.
//
// The page sends `PageInput`s (what it observed) and receives `PageOutput`s (the session
// frame, then the engine's posts and UI commands). JSON, tagged by `kind`, camelCase.
// Types only: this module exports nothing at run time.
";

/// The typedefs of the page protocol, as `web/static/types.js` holds them.
pub fn render() -> String {
    let mut defs = definitions::<PageInput>(SchemaSettings::draft2020_12().for_deserialize());
    for (name, schema) in definitions::<PageOutput>(SchemaSettings::draft2020_12().for_serialize())
    {
        if let Some(known) = defs.get(&name) {
            assert_eq!(known, &schema, "{name} differs between inputs and outputs");
        }
        defs.insert(name, schema);
    }
    // The two roots first, then what they refer to, by name.
    let roots = ["PageInput", "PageOutput"];
    let order = roots.iter().map(|r| r.to_string()).chain(
        defs.keys()
            .filter(|k| !roots.contains(&k.as_str()))
            .cloned(),
    );
    let mut out = String::from(HEADER);
    for name in order {
        out.push('\n');
        out.push_str(&typedef(&name, &defs[&name]));
    }
    out.push_str("\nexport {};\n");
    out
}

fn definitions<T: JsonSchema>(settings: SchemaSettings) -> BTreeMap<String, Value> {
    let mut generator = settings.into_generator();
    generator.subschema_for::<T>();
    generator.take_definitions(true).into_iter().collect()
}

/// One `@typedef`: a record type with a `@property` per field, anything else as one type.
fn typedef(name: &str, schema: &Value) -> String {
    let mut lines = Vec::new();
    if let Some(description) = text(schema, "description") {
        lines.extend(description.lines().map(String::from));
    }
    let is_record = schema.get("type") == Some(&Value::from("object"))
        && schema.get("properties").is_some()
        && schema.get("$ref").is_none();
    if is_record {
        lines.push(format!("@typedef {{object}} {name}"));
        for (field, required, field_schema) in properties(schema) {
            let field = if required {
                field.to_string()
            } else {
                format!("[{field}]")
            };
            let doc = text(field_schema, "description")
                .map(|d| format!(" {}", d.replace('\n', " ")))
                .unwrap_or_default();
            lines.push(format!("@property {{{}}} {field}{doc}", expr(field_schema)));
        }
    } else if let Some(members) = schema.get("oneOf").and_then(Value::as_array) {
        // Each variant's doc comment, by its tag, then the union one variant a line.
        for member in members {
            if let (Some(tag), Some(doc)) = (tag_of(member), text(member, "description")) {
                lines.push(format!("- {tag}: {}", doc.replace('\n', " ")));
            }
        }
        let union: Vec<String> = members.iter().map(expr).collect();
        lines.push(format!("@typedef {{{}}} {name}", union.join("\n  | ")));
    } else {
        lines.push(format!("@typedef {{{}}} {name}", expr(schema)));
    }
    let mut out = String::from("/**\n");
    for line in lines.iter().flat_map(|l| l.lines()) {
        out.push_str(format!(" * {line}").trim_end());
        out.push('\n');
    }
    out.push_str(" */\n");
    out
}

/// A schema as a TypeScript type expression.
fn expr(schema: &Value) -> String {
    let Some(object) = schema.as_object() else {
        assert_eq!(schema, &Value::Bool(true), "unsupported schema {schema}");
        return "unknown".into();
    };
    if let Some(value) = object.get("const") {
        return value.to_string();
    }
    if let Some(values) = object.get("enum").and_then(Value::as_array) {
        return values
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join(" | ");
    }
    if let Some(members) = object.get("oneOf").or(object.get("anyOf")) {
        let members: Vec<String> = members.as_array().into_iter().flatten().map(expr).collect();
        return members.join(" | ");
    }
    let mut parts = Vec::new();
    if object.contains_key("properties") {
        parts.push(record(schema));
    }
    if let Some(target) = object.get("$ref").and_then(Value::as_str) {
        let name = target.strip_prefix("#/$defs/");
        parts.push(
            name.unwrap_or_else(|| panic!("unsupported $ref {target}"))
                .into(),
        );
    }
    if parts.is_empty() {
        return match object.get("type") {
            Some(Value::Array(types)) => types
                .iter()
                .map(|t| of_type(t, object))
                .collect::<Vec<_>>()
                .join(" | "),
            Some(t) => of_type(t, object),
            None => "unknown".into(),
        };
    }
    if parts.len() == 1 {
        parts.remove(0)
    } else {
        format!("({})", parts.join(" & "))
    }
}

/// One JSON type of a schema.
fn of_type(json_type: &Value, schema: &Map<String, Value>) -> String {
    match json_type.as_str() {
        Some("string") => "string".into(),
        Some("integer" | "number") => "number".into(),
        Some("boolean") => "boolean".into(),
        Some("null") => "null".into(),
        Some("array") => match schema.get("items") {
            Some(items) => format!("Array<{}>", expr(items)),
            None => "unknown[]".into(),
        },
        Some("object") => match schema.get("additionalProperties") {
            Some(Value::Bool(true)) | None => "Record<string, unknown>".into(),
            Some(values) => format!("Record<string, {}>", expr(values)),
        },
        _ => panic!("unsupported type {json_type}"),
    }
}

/// An object literal type: `{kind: "app", message: unknown, origin?: string}`.
fn record(schema: &Value) -> String {
    let fields: Vec<String> = properties(schema)
        .into_iter()
        .map(|(name, required, field)| {
            let mark = if required { "" } else { "?" };
            format!("{name}{mark}: {}", expr(field))
        })
        .collect();
    format!("{{{}}}", fields.join(", "))
}

/// An object schema's properties: the required ones in declaration order (the tag first),
/// then the optional ones by name.
fn properties(schema: &Value) -> Vec<(&str, bool, &Value)> {
    let Some(all) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut out: Vec<(&str, bool, &Value)> = required
        .iter()
        .filter_map(|name| all.get_key_value(*name))
        .map(|(name, field)| (name.as_str(), true, field))
        .collect();
    out.extend(
        all.iter()
            .filter(|(name, _)| !required.contains(&name.as_str()))
            .map(|(name, field)| (name.as_str(), false, field)),
    );
    out
}

/// The value of a tagged variant's tag (`kind`, `command`, `action`): its one `const`
/// property.
fn tag_of(variant: &Value) -> Option<String> {
    let properties = variant.get("properties")?.as_object()?;
    properties.values().find_map(|p| {
        let value = p.get("const")?;
        Some(
            value
                .as_str()
                .map_or_else(|| value.to_string(), String::from),
        )
    })
}

/// A documentation string, with rustdoc links as plain code and nothing that would end the
/// JSDoc comment.
fn text(schema: &Value, key: &str) -> Option<String> {
    let raw = schema.get(key)?.as_str()?;
    Some(
        raw.replace("[`", "`")
            .replace("`]", "`")
            .replace("*/", "*\\/"),
    )
}
