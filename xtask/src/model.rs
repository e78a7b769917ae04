//! The operation models in `fixtures/<crate>/`: their format, loading and checks.
//!
//! `fixtures/README.md` documents the format for people; the structs below are
//! the same thing for the machine (unknown keys are errors, so a typo in a model
//! does not go unnoticed).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use serde::Deserialize;

/// `fixtures/<crate>/crate.json`: what the crate's generated module says about itself.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CrateInfo {
    /// The API's name, e.g. "Alibaba Cloud ApsaraDB RDS".
    pub(crate) title: String,
    /// A paragraph about the API: endpoint, style, versions.
    pub(crate) doc: String,
}

/// One model file, `fixtures/<crate>/<Name>.json`, which becomes `src/generated/<name>.rs`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Module {
    /// What the module holds, one line.
    pub(crate) doc: String,
    /// Where the model comes from (seed documents, reference sections).
    #[serde(default)]
    pub(crate) sources: Vec<String>,
    /// The operation, when the module describes one (`error.json` does not).
    #[serde(default)]
    pub(crate) operation: Option<Operation>,
    /// The response-side structs: the response itself, nested objects, error bodies.
    pub(crate) types: Vec<TypeDef>,
    /// Verbatim wire examples that must decode into one of the crate's types.
    #[serde(default)]
    pub(crate) examples: Vec<Example>,
    /// How the service says a call failed (`error.json` only): becomes `ERROR_FORMAT`.
    #[serde(default)]
    pub(crate) protocol: Option<ProtocolModel>,
}

/// A provider's error format: the keys of its error bodies and what its codes mean. Codegen
/// writes `pub const ERROR_FORMAT: cloud_http::ErrorFormat` from it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProtocolModel {
    /// What the format is and where it comes from.
    pub(crate) doc: String,
    /// The keys of the code, in order of preference.
    pub(crate) code: Vec<String>,
    /// The keys of the message, in order of preference.
    pub(crate) message: Vec<String>,
    /// Where the request id is, in order: a body key, or `header:<name>`.
    pub(crate) request_id: Vec<String>,
    /// Keys kept as extra named fields.
    #[serde(default)]
    pub(crate) extra: Vec<String>,
    /// How deep nested objects are searched for the error object.
    #[serde(default)]
    pub(crate) nested_depth: u8,
    /// Codes that mean success (then a 200 with another code is a failure).
    #[serde(default)]
    pub(crate) success_codes: Vec<String>,
    /// The HTTP status becomes the code when the body gives none.
    #[serde(default)]
    pub(crate) status_as_code: bool,
    /// What the codes mean.
    pub(crate) codes: CodesModel,
}

/// A provider's error codes by meaning (see `cloud_http::CodeTable`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CodesModel {
    #[serde(default)]
    pub(crate) throttling: Vec<String>,
    #[serde(default)]
    pub(crate) unavailable: Vec<String>,
    #[serde(default)]
    pub(crate) auth: Vec<String>,
    #[serde(default)]
    pub(crate) validation_prefixes: Vec<String>,
    #[serde(default)]
    pub(crate) not_found_markers: Vec<String>,
}

/// Every body key the protocol names is a field of one of the module's types, so the
/// generated `ErrorBody` and `ERROR_FORMAT` describe the same body.
fn check_protocol(module: &Module) -> Result<(), String> {
    let Some(protocol) = &module.protocol else {
        return Ok(());
    };
    let known: BTreeSet<&str> = module
        .types
        .iter()
        .flat_map(|ty| ty.fields.iter().map(|field| field.name.as_str()))
        .collect();
    let body_keys = protocol
        .code
        .iter()
        .chain(&protocol.message)
        .chain(&protocol.extra)
        .chain(
            protocol
                .request_id
                .iter()
                .filter(|source| !source.starts_with("header:")),
        );
    for key in body_keys {
        if !known.contains(key.as_str()) {
            return Err(format!(
                "protocol: the key {key:?} is not a field of the model's types"
            ));
        }
    }
    if protocol.code.is_empty() {
        return Err("protocol: no code key".to_owned());
    }
    Ok(())
}

/// An HTTP operation and its request parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Operation {
    /// The operation's name; the request type is `<name>Request`.
    pub(crate) name: String,
    pub(crate) doc: String,
    /// `GET`, `POST`, `PUT`, `DELETE`, `PATCH` or `HEAD`.
    pub(crate) method: String,
    /// The path template, `{name}` for path parameters.
    pub(crate) path: String,
    /// The RPC action name (RPC-style APIs only).
    #[serde(default)]
    pub(crate) action: Option<String>,
    /// The API version sent with the action (RPC-style APIs only).
    #[serde(default)]
    pub(crate) version: Option<String>,
    pub(crate) params: Vec<Param>,
    /// The name of the response type, one of the module's `types`.
    pub(crate) response: String,
    /// How the operation pages, when it lists (see [`PagingModel`]).
    #[serde(default)]
    pub(crate) paging: Option<PagingModel>,
    /// Whether the operation may be sent again after a failure that may have reached the
    /// service: `false` for a create or a delete. Default `true`.
    #[serde(default = "yes")]
    pub(crate) idempotent: bool,
}

fn yes() -> bool {
    true
}

/// How a listing operation pages: which request parameters address a page, where the items
/// and the total are in the response, and what tells two items apart. Codegen writes
/// `cloud_http::PagedRequest` for the request and `cloud_http::Paged` for the response from it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PagingModel {
    /// `number` (pages numbered from 1) or `offset` (the first item's offset, from 0).
    pub(crate) style: PagingStyle,
    /// The wire name of the request parameter holding the page number or the offset.
    pub(crate) page: String,
    /// The wire name of the request parameter holding the page size.
    pub(crate) size: String,
    /// The page size asked for when the request sets none.
    pub(crate) default_size: i64,
    /// The JSON keys from the response body to the array of items, e.g. `["Items", "Backup"]`.
    pub(crate) items: Vec<String>,
    /// The JSON key of the total number of items, when the response has one.
    #[serde(default)]
    pub(crate) total: Option<String>,
    /// The JSON key, in the item type, of the field that tells items apart (e.g. `BackupId`);
    /// absent when no one field does (then no item is dropped as a duplicate).
    #[serde(default)]
    pub(crate) key: Option<String>,
}

/// How the pages of a listing are addressed.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PagingStyle {
    Number,
    Offset,
}

/// A [`PagingModel`] resolved against its module: Rust names and types.
#[derive(Debug)]
pub(crate) struct ResolvedPaging {
    pub(crate) style: PagingStyle,
    /// The request fields of the page number or offset, and of the size.
    pub(crate) page_field: String,
    pub(crate) size_field: String,
    pub(crate) default_size: i64,
    /// The item type.
    pub(crate) item_type: String,
    /// The Rust fields along the path: every one but the last is an `Option<object>`, the last
    /// a `Vec` of items.
    pub(crate) item_path: Vec<String>,
    /// The Rust field of the total (`Option<i64>`), when there is one.
    pub(crate) total_field: Option<String>,
    /// The Rust field of the key (`Option<String>`) in the item type, when there is one.
    pub(crate) key_field: Option<String>,
}

/// Resolves the paging of `operation` against the module's types; errors say what is wrong.
pub(crate) fn resolve_paging(
    module: &Module,
    operation: &Operation,
) -> Result<Option<ResolvedPaging>, String> {
    let Some(paging) = &operation.paging else {
        return Ok(None);
    };
    let param_field = |wire: &str| -> Result<String, String> {
        let param = operation
            .params
            .iter()
            .find(|param| param.name == wire && !param.client)
            .ok_or_else(|| format!("paging: no request parameter {wire}"))?;
        if param.ty != ParamType::Integer || param.required {
            return Err(format!(
                "paging: {wire} must be an optional integer parameter"
            ));
        }
        Ok(field_name(&param.name, param.field.as_deref()))
    };
    let page_field = param_field(&paging.page)?;
    let size_field = param_field(&paging.size)?;
    if paging.default_size < 1 {
        return Err("paging: default_size must be 1 or more".to_owned());
    }
    let find_type = |name: &str| {
        module
            .types
            .iter()
            .find(|ty| ty.name == name)
            .ok_or_else(|| format!("paging: unknown type {name}"))
    };
    let find_field = |ty: &TypeDef, wire: &str| -> Result<(String, FieldType), String> {
        let field = ty
            .fields
            .iter()
            .find(|field| field.name == wire)
            .ok_or_else(|| format!("paging: {} has no field {wire}", ty.name))?;
        Ok((
            field_name(&field.name, field.field.as_deref()),
            FieldType::parse(&field.ty)?,
        ))
    };
    let response = find_type(&operation.response)?;
    let total_field = match &paging.total {
        None => None,
        Some(wire) => match find_field(response, wire)? {
            (name, FieldType::Integer) => Some(name),
            _ => return Err(format!("paging: the total {wire} must be an integer")),
        },
    };
    let Some((last, leading)) = paging.items.split_last() else {
        return Err("paging: items names no field".to_owned());
    };
    let mut current = response;
    let mut item_path = Vec::new();
    for wire in leading {
        match find_field(current, wire)? {
            (name, FieldType::Object(ty)) => {
                item_path.push(name);
                current = find_type(&ty)?;
            }
            _ => return Err(format!("paging: {wire} must be an object")),
        }
    }
    let item_type = match find_field(current, last)? {
        (name, FieldType::Array(ty)) => {
            item_path.push(name);
            ty
        }
        _ => return Err(format!("paging: {last} must be an array")),
    };
    let key_field = match &paging.key {
        None => None,
        Some(key) => match find_field(find_type(&item_type)?, key)? {
            (name, FieldType::String) => Some(name),
            _ => return Err(format!("paging: the key {key} must be a string")),
        },
    };
    Ok(Some(ResolvedPaging {
        style: paging.style,
        page_field,
        size_field,
        default_size: paging.default_size,
        item_type,
        item_path,
        total_field,
        key_field,
    }))
}

/// One request parameter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Param {
    /// The name on the wire.
    pub(crate) name: String,
    /// The Rust field name, when the snake_case of `name` will not do.
    #[serde(default)]
    pub(crate) field: Option<String>,
    #[serde(rename = "in")]
    pub(crate) location: Location,
    #[serde(rename = "type")]
    pub(crate) ty: ParamType,
    #[serde(default)]
    pub(crate) required: bool,
    /// A path parameter the client fills in (e.g. `project_id`): not a field.
    #[serde(default)]
    pub(crate) client: bool,
    /// `datetime` only: the `time` format description of the wire text.
    #[serde(default)]
    pub(crate) format: Option<String>,
    /// `datetime` only: convert to UTC before formatting.
    #[serde(default)]
    pub(crate) utc: bool,
    pub(crate) doc: String,
}

/// Where a request parameter goes.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Location {
    Query,
    Path,
    Header,
    Body,
}

impl Location {
    pub(crate) const ALL: [Location; 4] = [
        Location::Query,
        Location::Header,
        Location::Path,
        Location::Body,
    ];

    pub(crate) fn describe(self) -> &'static str {
        match self {
            Location::Query => "the query parameter",
            Location::Path => "the path parameter",
            Location::Header => "the header",
            Location::Body => "the JSON body member",
        }
    }
}

/// The type of a request parameter.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ParamType {
    String,
    Integer,
    Boolean,
    Datetime,
}

/// A response-side struct.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TypeDef {
    /// The Rust type name (UpperCamelCase).
    pub(crate) name: String,
    pub(crate) doc: String,
    pub(crate) fields: Vec<Field>,
}

/// A field of a response-side struct.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Field {
    /// The JSON key.
    pub(crate) name: String,
    /// The Rust field name, when the snake_case of `name` will not do.
    #[serde(default)]
    pub(crate) field: Option<String>,
    /// `string`, `integer`, `number`, `boolean`, `object:<Type>` or `array:<Type>`.
    #[serde(rename = "type")]
    pub(crate) ty: String,
    /// The unit of a size or duration, appended to the docs.
    #[serde(default)]
    pub(crate) unit: Option<String>,
    pub(crate) doc: String,
}

/// The parsed `type` of a response field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FieldType {
    String,
    Integer,
    Number,
    Boolean,
    Object(String),
    Array(String),
}

impl FieldType {
    pub(crate) fn parse(text: &str) -> Result<FieldType, String> {
        Ok(match text {
            "string" => FieldType::String,
            "integer" => FieldType::Integer,
            "number" => FieldType::Number,
            "boolean" => FieldType::Boolean,
            _ => match text.split_once(':') {
                Some(("object", name)) => FieldType::Object(name.to_owned()),
                Some(("array", name)) => FieldType::Array(name.to_owned()),
                _ => {
                    return Err(format!(
                        "unknown field type {text:?}: expected string, integer, number, boolean, \
                         object:<Type> or array:<Type>"
                    ));
                }
            },
        })
    }
}

/// A verbatim wire example and the type it must decode into.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Example {
    /// The file, relative to `fixtures/<crate>/`.
    pub(crate) file: String,
    /// The type it decodes into.
    #[serde(rename = "type")]
    pub(crate) ty: String,
    /// Where the example was copied from.
    pub(crate) source: String,
}

/// Everything in `fixtures/<crate>/`, loaded and checked.
#[derive(Debug)]
pub(crate) struct Crate {
    /// The crate (and fixture directory) name, e.g. `aliyun-rds`.
    pub(crate) name: String,
    pub(crate) info: CrateInfo,
    /// Model files by module name (sorted), with their file names.
    pub(crate) modules: Vec<(String, String, Module)>,
}

/// Loads `fixtures/<name>/` and checks it; errors name the file.
pub(crate) fn load_crate(fixtures: &Path, name: &str) -> Result<Crate, String> {
    let dir = fixtures.join(name);
    let info: CrateInfo = read_json(&dir.join("crate.json"))?;

    let mut modules = Vec::new();
    for file in sorted_file_names(&dir)? {
        let Some(stem) = file.strip_suffix(".json") else {
            continue;
        };
        if file == "crate.json" {
            continue;
        }
        let module: Module = read_json(&dir.join(&file))?;
        modules.push((snake_case(stem), file, module));
    }
    modules.sort_by(|a, b| a.0.cmp(&b.0));

    let krate = Crate {
        name: name.to_owned(),
        info,
        modules,
    };
    check_crate(&krate, &dir).map_err(|error| format!("fixtures/{name}: {error}"))?;
    Ok(krate)
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, String> {
    let text = fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))?;
    serde_json::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))
}

/// The names of the regular files in `dir`, sorted.
pub(crate) fn sorted_file_names(dir: &Path) -> Result<Vec<String>, String> {
    let entries = fs::read_dir(dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|error| format!("{}: {error}", dir.display()))?;
        if entry
            .file_type()
            .map(|kind| kind.is_file())
            .unwrap_or(false)
        {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

fn check_crate(krate: &Crate, dir: &Path) -> Result<(), String> {
    // Type names are unique across the crate: everything is re-exported from `generated`.
    let mut owners: BTreeMap<String, &str> = BTreeMap::new();
    for (_, file, module) in &krate.modules {
        let mut names: Vec<String> = module.types.iter().map(|ty| ty.name.clone()).collect();
        if let Some(operation) = &module.operation {
            names.push(request_type_name(operation));
        }
        for name in names {
            if let Some(other) = owners.insert(name.clone(), file) {
                return Err(format!("type {name} is defined in both {other} and {file}"));
            }
        }
    }

    let mut referenced_examples = BTreeSet::new();
    for (module_name, file, module) in &krate.modules {
        let context = |error: String| format!("{file}: {error}");
        if module_name == "mod" || module_name == "tests" {
            return Err(context(format!(
                "the module name {module_name:?} is reserved"
            )));
        }
        check_module(module).map_err(context)?;
        for example in &module.examples {
            if !owners.contains_key(&example.ty) {
                return Err(context(format!(
                    "example {}: unknown type {}",
                    example.file, example.ty
                )));
            }
            if !dir.join(&example.file).is_file() {
                return Err(context(format!("example {}: no such file", example.file)));
            }
            if !referenced_examples.insert(example.file.clone()) {
                return Err(context(format!("example {} is listed twice", example.file)));
            }
        }
    }

    // Every JSON example is decoded by some test; other files (the XML record) are not.
    let examples_dir = dir.join("examples");
    if examples_dir.is_dir() {
        for file in sorted_file_names(&examples_dir)? {
            let path = format!("examples/{file}");
            if file.ends_with(".json") && !referenced_examples.contains(&path) {
                return Err(format!("{path} is not listed in any model's examples"));
            }
        }
    }
    Ok(())
}

fn check_module(module: &Module) -> Result<(), String> {
    check_protocol(module)?;
    let local_types: BTreeSet<&str> = module.types.iter().map(|ty| ty.name.as_str()).collect();
    for ty in &module.types {
        check_type_name(&ty.name)?;
        let mut wire_names = BTreeSet::new();
        let mut rust_names = BTreeSet::new();
        for field in &ty.fields {
            let context = |error: String| format!("{}.{}: {error}", ty.name, field.name);
            if !wire_names.insert(field.name.as_str()) {
                return Err(context("duplicate JSON key".to_owned()));
            }
            let rust_name = field_name(&field.name, field.field.as_deref());
            check_field_name(&rust_name).map_err(context)?;
            if rust_name == "unknown_fields" || !rust_names.insert(rust_name.clone()) {
                return Err(context(format!("the Rust field name {rust_name} is taken")));
            }
            match FieldType::parse(&field.ty).map_err(context)? {
                FieldType::Object(name) | FieldType::Array(name)
                    if !local_types.contains(name.as_str()) =>
                {
                    return Err(context(format!("unknown type {name} (not in this model)")));
                }
                _ => {}
            }
        }
    }

    let Some(operation) = &module.operation else {
        return Ok(());
    };
    let context = |error: String| format!("operation {}: {error}", operation.name);
    check_type_name(&operation.name).map_err(context)?;
    if !matches!(
        operation.method.as_str(),
        "GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "HEAD"
    ) {
        return Err(context(format!(
            "unknown HTTP method {:?}",
            operation.method
        )));
    }
    if !operation.path.starts_with('/') {
        return Err(context(format!(
            "path {:?} does not start with /",
            operation.path
        )));
    }
    if !local_types.contains(operation.response.as_str()) {
        return Err(context(format!(
            "unknown response type {}",
            operation.response
        )));
    }
    if operation.version.is_some() && operation.action.is_none() {
        return Err(context("a version without an action".to_owned()));
    }
    resolve_paging(module, operation).map_err(context)?;

    let placeholders = path_placeholders(&operation.path).map_err(context)?;
    let mut wire_names = BTreeSet::new();
    let mut rust_names = BTreeSet::new();
    let mut path_params = BTreeSet::new();
    for param in &operation.params {
        let context =
            |error: String| format!("operation {}, {}: {error}", operation.name, param.name);
        if !wire_names.insert((param.location as u8, param.name.as_str())) {
            return Err(context("duplicate parameter".to_owned()));
        }
        if param.location == Location::Path {
            path_params.insert(param.name.as_str());
            if !placeholders.contains(param.name.as_str()) {
                return Err(context(format!("not a placeholder of {}", operation.path)));
            }
            if !param.client && !param.required {
                return Err(context(
                    "a path parameter must be required or client".to_owned(),
                ));
            }
        }
        if param.client {
            if param.location != Location::Path || param.required {
                return Err(context(
                    "a client parameter is a path parameter, not required".into(),
                ));
            }
            continue;
        }
        let rust_name = field_name(&param.name, param.field.as_deref());
        check_field_name(&rust_name).map_err(context)?;
        if !rust_names.insert(rust_name.clone()) {
            return Err(context(format!("the Rust field name {rust_name} is taken")));
        }
        match (param.ty, &param.format) {
            (ParamType::Datetime, None) => {
                return Err(context("a datetime needs a format".to_owned()));
            }
            (ParamType::Datetime, Some(format)) => {
                if format.contains('"') || format.contains('\\') {
                    return Err(context(
                        "the format may not hold quotes or backslashes".into(),
                    ));
                }
                if param.required {
                    // The request derives Default, which OffsetDateTime does not have.
                    return Err(context("a datetime cannot be required (yet)".to_owned()));
                }
            }
            (_, Some(_)) => return Err(context("only a datetime has a format".to_owned())),
            (_, None) if param.utc => return Err(context("only a datetime has utc".to_owned())),
            (_, None) => {}
        }
    }
    if let Some(missing) = placeholders
        .iter()
        .find(|name| !path_params.contains(*name))
    {
        return Err(context(format!("no path parameter for {{{missing}}}")));
    }
    Ok(())
}

/// The `{name}` placeholders of a path template.
pub(crate) fn path_placeholders(path: &str) -> Result<BTreeSet<&str>, String> {
    let mut names = BTreeSet::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            return Err(format!("unclosed {{ in {path:?}"));
        };
        names.insert(&after[..end]);
        rest = &after[end + 1..];
    }
    if rest.contains('}') {
        return Err(format!("unopened }} in {path:?}"));
    }
    Ok(names)
}

pub(crate) fn request_type_name(operation: &Operation) -> String {
    format!("{}Request", operation.name)
}

fn check_type_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_uppercase());
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(format!("{name:?} is not an UpperCamelCase type name"))
    }
}

fn check_field_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    if first_ok && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        Ok(())
    } else {
        Err(format!("{name:?} is not a snake_case field name"))
    }
}

/// The Rust field name of a wire name: the override, else its snake_case.
pub(crate) fn field_name(wire: &str, field: Option<&str>) -> String {
    match field {
        Some(field) => field.to_owned(),
        None => snake_case(wire),
    }
}

/// `DBInstanceId` → `db_instance_id`, `X-Language` → `x_language`,
/// `BackupV3` → `backup_v3`, `instance_id` → `instance_id`.
///
/// Words break at non-alphanumerics, at a lower-case letter or digit followed
/// by an upper-case letter, and before the last capital of an acronym that is
/// followed by a lower-case letter (`DBInstance` → `DB`, `Instance`).
pub(crate) fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    let mut pending_break = false;
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            pending_break = true;
            continue;
        }
        if i > 0 && c.is_ascii_uppercase() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                pending_break = true;
            }
        }
        if pending_break && !out.is_empty() {
            out.push('_');
        }
        pending_break = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// `name` as a Rust identifier: keywords become raw identifiers (`r#type`),
/// and the few that cannot be raw get a trailing underscore.
pub(crate) fn rust_ident(name: &str) -> String {
    const RAW_IMPOSSIBLE: [&str; 5] = ["self", "Self", "super", "crate", "_"];
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern",
        "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move",
        "mut", "pub", "ref", "return", "static", "struct", "trait", "true", "type", "unsafe",
        "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override",
        "priv", "try", "typeof", "unsized", "virtual", "yield", "union",
    ];
    if RAW_IMPOSSIBLE.contains(&name) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_handles_acronyms_separators_and_digits() {
        let cases = [
            ("DBInstanceId", "db_instance_id"),
            ("HostInstanceID", "host_instance_id"),
            ("BackupDownloadURL", "backup_download_url"),
            ("BackupIntranetDownloadURL", "backup_intranet_download_url"),
            ("BackupDownloadLinkByDB", "backup_download_link_by_db"),
            ("BackupDBNames", "backup_db_names"),
            ("DataBase", "data_base"),
            ("X-Language", "x_language"),
            ("instance_id", "instance_id"),
            ("errorCode", "error_code"),
            ("BackupV3", "backup_v3"),
            ("DescribeBackups.seed-001", "describe_backups_seed_001"),
            ("ListBackups.seed-003-mysql", "list_backups_seed_003_mysql"),
            ("error", "error"),
            ("id ", "id"),
        ];
        for (input, expected) in cases {
            assert_eq!(snake_case(input), expected, "{input}");
        }
    }

    #[test]
    fn keywords_become_raw_identifiers() {
        assert_eq!(rust_ident("type"), "r#type");
        assert_eq!(rust_ident("self"), "self_");
        assert_eq!(rust_ident("size"), "size");
    }

    #[test]
    fn path_placeholders_are_found_and_checked() {
        let names = path_placeholders("/v3/{project_id}/instances/{instance_id}/backups").unwrap();
        assert_eq!(
            names.into_iter().collect::<Vec<_>>(),
            ["instance_id", "project_id"]
        );
        assert!(path_placeholders("/v3/{project_id/backups").is_err());
        assert!(path_placeholders("/v3/project_id}/backups").is_err());
    }

    #[test]
    fn field_types_parse() {
        assert_eq!(FieldType::parse("integer"), Ok(FieldType::Integer));
        assert_eq!(
            FieldType::parse("array:Backup"),
            Ok(FieldType::Array("Backup".into()))
        );
        assert_eq!(
            FieldType::parse("object:Datastore"),
            Ok(FieldType::Object("Datastore".into()))
        );
        assert!(FieldType::parse("long").is_err());
    }

    fn module(text: &str) -> Module {
        serde_json::from_str(text).expect("a model")
    }

    const LISTING: &str = r#"{
        "doc": "d",
        "operation": {
            "name": "ListThings", "doc": "d", "method": "GET", "path": "/things",
            "params": [
                {"name": "offset", "in": "query", "type": "integer", "doc": "d"},
                {"name": "limit", "in": "query", "type": "integer", "doc": "d"}
            ],
            "response": "ListThingsResponse",
            "paging": {"style": "offset", "page": "offset", "size": "limit", "default_size": 100,
                       "items": ["things"], "total": "total_count", "key": "id"}
        },
        "types": [
            {"name": "ListThingsResponse", "doc": "d", "fields": [
                {"name": "things", "type": "array:Thing", "doc": "d"},
                {"name": "total_count", "type": "integer", "doc": "d"}
            ]},
            {"name": "Thing", "doc": "d", "fields": [{"name": "id", "type": "string", "doc": "d"}]}
        ]
    }"#;

    #[test]
    fn paging_resolves_against_the_model_and_names_what_is_wrong() {
        let good = module(LISTING);
        assert!(check_module(&good).is_ok());
        let resolved = resolve_paging(&good, good.operation.as_ref().unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(resolved.item_type, "Thing");
        assert_eq!(resolved.item_path, ["things"]);
        assert_eq!(resolved.total_field.as_deref(), Some("total_count"));
        for (from, to, says) in [
            (
                r#""key": "id""#,
                r#""key": "name""#,
                "Thing has no field name",
            ),
            (
                r#""size": "limit""#,
                r#""size": "count""#,
                "no request parameter count",
            ),
            (
                r#""items": ["things"]"#,
                r#""items": ["total_count"]"#,
                "must be an array",
            ),
            (
                r#""total": "total_count""#,
                r#""total": "things""#,
                "must be an integer",
            ),
        ] {
            let bad = module(&LISTING.replace(from, to));
            let error = check_module(&bad).unwrap_err();
            assert!(error.contains(says), "{to}: {error}");
        }
    }

    #[test]
    fn a_protocol_names_only_fields_of_the_error_body() {
        let text = r#"{
            "doc": "d",
            "types": [{"name": "ErrorBody", "doc": "d", "fields": [
                {"name": "Code", "type": "string", "doc": "d"},
                {"name": "RequestId", "type": "string", "doc": "d"}
            ]}],
            "protocol": {"doc": "d", "code": ["Code"], "message": [],
                         "request_id": ["RequestId", "header:x-request-id"], "codes": {}}
        }"#;
        assert!(check_module(&module(text)).is_ok());
        let error = check_module(&module(
            &text.replace(r#""message": []"#, r#""message": ["Msg"]"#),
        ))
        .unwrap_err();
        assert!(error.contains("\"Msg\" is not a field"), "{error}");
        let error = check_module(&module(
            &text.replace(r#""code": ["Code"]"#, r#""code": []"#),
        ))
        .unwrap_err();
        assert!(error.contains("no code key"), "{error}");
    }
}
