//! The API reference page (`GET /api/v1/docs`): the OpenAPI document rendered as one HTML page by
//! the server itself, so it works with no internet and under the Content-Security-Policy (no
//! script, our own stylesheet at `/api/v1/docs.css`). Each operation with its role, parameters,
//! request body and answers; then every schema with its fields.

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use serde_json::Value;
use std::fmt::Write;

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// The reference page's stylesheet.
#[utoipa::path(
    get,
    path = "/api/v1/docs.css",
    operation_id = "docs_css",
    tag = "system",
    responses((status = 200, description = "CSS", body = String, content_type = "text/css"))
)]
pub async fn stylesheet() -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/css; charset=utf-8")], CSS)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `#/components/schemas/X` → a link to X; an inline schema → its type.
fn type_of(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{0}\">{0}</a>", esc(name));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            let parts: Vec<String> = list.iter().map(type_of).collect();
            return parts.join(" | ");
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let words: Vec<String> = values.iter().map(|v| esc(&v.to_string())).collect();
        return words.join(" | ");
    }
    let kind = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" | "),
        _ => "any".into(),
    };
    match kind.as_str() {
        "array" => format!("[{}]", schema.get("items").map(type_of).unwrap_or_default()),
        k if k.starts_with("array") => format!("[{}] | null", schema.get("items").map(type_of).unwrap_or_default()),
        _ => esc(&kind),
    }
}

/// The API reference page from the document (the handler is `openapi::page`, which owns the
/// document; this module only draws it).
pub(super) fn render(doc: &Value) -> String {
    let mut h = String::new();
    let title = doc["info"]["title"].as_str().unwrap_or("API");
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>{0} — API reference</title>\
         <link rel=\"stylesheet\" href=\"/api/v1/docs.css\"></head><body><main><h1>{0} — API reference</h1>\
         <p>{1}</p><p>The machine-readable document: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a> \
         (OpenAPI {2}).</p>",
        esc(title),
        esc(doc["info"]["description"].as_str().unwrap_or_default()),
        esc(doc["openapi"].as_str().unwrap_or_default()),
    );
    let mut tags: Vec<(String, String)> = doc["tags"]
        .as_array()
        .map(|t| {
            t.iter()
                .map(|t| (t["name"].as_str().unwrap_or("").into(), t["description"].as_str().unwrap_or("").into()))
                .collect()
        })
        .unwrap_or_default();
    // A tag an operation uses but the document does not declare still gets its section.
    for item in doc["paths"].as_object().into_iter().flat_map(|p| p.values()) {
        for op in METHODS.iter().filter_map(|m| item.get(*m)) {
            for t in op["tags"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                if !tags.iter().any(|(n, _)| n == t) {
                    tags.push((t.to_owned(), String::new()));
                }
            }
        }
    }
    h.push_str("<nav><ul>");
    for (name, _) in &tags {
        let _ = write!(h, "<li><a href=\"#tag-{0}\">{0}</a></li>", esc(name));
    }
    h.push_str("<li><a href=\"#schemas\">schemas</a></li></ul></nav>");
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    for (tag, description) in &tags {
        let _ = write!(h, "<section id=\"tag-{0}\"><h2>{0}</h2><p>{1}</p>", esc(tag), esc(description));
        for (path, item) in &paths {
            for method in METHODS {
                let op = &item[method];
                let in_tag = op["tags"].as_array().is_some_and(|t| t.iter().any(|x| x == tag.as_str()));
                if op.is_object() && in_tag {
                    operation(&mut h, method, path, op);
                }
            }
        }
        h.push_str("</section>");
    }
    h.push_str("<section id=\"schemas\"><h2>Schemas</h2>");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            schema_entry(&mut h, name, schema);
        }
    }
    h.push_str("</section></main></body></html>");
    h
}

fn operation(h: &mut String, method: &str, path: &str, op: &Value) {
    let id = op["operationId"].as_str().unwrap_or_default();
    let _ = write!(
        h,
        "<article class=\"op\" id=\"op-{id}\" data-method=\"{method}\" data-path=\"{p}\"><h3><span class=\"method {method}\">{m}</span> \
         <code>{p}</code> <span class=\"role\">{role}</span></h3>",
        id = esc(id),
        m = method.to_uppercase(),
        p = esc(path),
        role = esc(op["x-role"].as_str().unwrap_or_default()),
    );
    if let Some(summary) = op["summary"].as_str() {
        let _ = write!(h, "<p class=\"summary\">{}</p>", esc(summary));
    }
    if let Some(d) = op["description"].as_str() {
        for para in d.split("\n\n") {
            let _ = write!(h, "<p>{}</p>", esc(para));
        }
    }
    if let Some(params) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
        h.push_str("<table><tr><th>parameter</th><th>in</th><th>type</th><th>required</th><th>description</th></tr>");
        for p in params {
            let _ = write!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(p["name"].as_str().unwrap_or_default()),
                esc(p["in"].as_str().unwrap_or_default()),
                type_of(&p["schema"]),
                if p["required"].as_bool() == Some(true) { "yes" } else { "no" },
                esc(p["description"].as_str().unwrap_or_default()),
            );
        }
        h.push_str("</table>");
    }
    if let Some(content) = op["requestBody"]["content"].as_object() {
        for (ctype, media) in content {
            let _ = write!(h, "<p>Body ({}): {}</p>", esc(ctype), type_of(&media["schema"]));
        }
    }
    h.push_str("<ul class=\"responses\">");
    if let Some(responses) = op["responses"].as_object() {
        for (status, r) in responses {
            let bodies: Vec<String> = r["content"]
                .as_object()
                .map(|c| c.iter().map(|(t, m)| format!("{} ({})", type_of(&m["schema"]), esc(t))).collect())
                .unwrap_or_default();
            let _ = write!(
                h,
                "<li><b>{}</b> {} {}</li>",
                esc(status),
                esc(r["description"].as_str().unwrap_or_default()),
                bodies.join(", ")
            );
        }
    }
    h.push_str("</ul></article>");
}

fn schema_entry(h: &mut String, name: &str, schema: &Value) {
    let _ = write!(h, "<article class=\"schema\" id=\"schema-{0}\"><h3>{0}</h3>", esc(name));
    if let Some(d) = schema["description"].as_str() {
        let _ = write!(h, "<p>{}</p>", esc(d));
    }
    match schema["properties"].as_object() {
        Some(props) => {
            let required: Vec<&str> =
                schema["required"].as_array().map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            h.push_str("<table><tr><th>field</th><th>type</th><th>required</th><th>description</th></tr>");
            for (field, s) in props {
                let _ = write!(
                    h,
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(field),
                    type_of(s),
                    if required.contains(&field.as_str()) { "yes" } else { "no" },
                    esc(s["description"].as_str().unwrap_or_default()),
                );
            }
            h.push_str("</table>");
        }
        None => {
            let _ = write!(h, "<p>{}</p>", type_of(schema));
        }
    }
    h.push_str("</article>");
}

const CSS: &str = "body{font:14px/1.5 system-ui,sans-serif;margin:0;background:#0a0e13;color:#d5dde6}\
main{max-width:72rem;margin:0 auto;padding:1rem 1.5rem}a{color:#60a5fa}code{font-family:ui-monospace,monospace}\
nav ul{display:flex;flex-wrap:wrap;gap:.4rem 1rem;list-style:none;padding:0}\
h2{border-bottom:1px solid #27313d;padding-bottom:.3rem;margin-top:2rem}\
.op,.schema{border:1px solid #1d2631;border-radius:6px;padding:.2rem .9rem .6rem;margin:.8rem 0;background:#10161d}\
.op h3,.schema h3{font-size:15px;margin:.6rem 0}.method{display:inline-block;min-width:4.2rem;font-family:ui-monospace,monospace}\
.get{color:#34c77b}.post{color:#60a5fa}.put{color:#f5c542}.delete{color:#f2626a}\
.role{float:right;font-size:12px;color:#7b8794;text-transform:uppercase}\
table{border-collapse:collapse;margin:.4rem 0}td,th{border:1px solid #1d2631;padding:.2rem .5rem;text-align:left;vertical-align:top}\
ul.responses{margin:.3rem 0;padding-left:1.2rem}";

#[cfg(test)]
mod tests {
    #[test]
    fn the_page_lists_every_operation_and_schema() {
        let doc = crate::api::openapi::openapi();
        let html = super::render(doc);
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in super::METHODS.iter().filter(|m| item.get(**m).is_some()) {
                let marker = format!("data-method=\"{method}\" data-path=\"{}\"", super::esc(path));
                assert!(html.contains(&marker), "{method} {path} is on the page");
            }
        }
        assert!(html.contains("id=\"schema-SignalRecord\""));
        assert!(!html.contains("<script"), "no script: it works offline and under the CSP");
    }
}
