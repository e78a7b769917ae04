//! The control endpoint (private): `/_sandbox/...`, for programs that cannot hold a
//! [`Sandbox`](crate::Sandbox) (another process driving `cloud-backup sandbox serve`).
//!
//! | request | does |
//! |---|---|
//! | `GET /_sandbox` | the endpoint, credentials and instances, as JSON |
//! | `GET /_sandbox/faults` | the faults still armed |
//! | `POST` or `PUT /_sandbox/faults` with a [`Faults`] JSON body | replaces the faults |
//! | `DELETE /_sandbox/faults` | disarms every fault |
//! | `GET /_sandbox/requests` | the request log |
//! | `DELETE /_sandbox/requests` | clears the request log |

use hyper::{Method, Response};
use serde_json::{Value, json};

use crate::http::{self, Body};
use crate::state::State;
use crate::{Faults, Provider, demo_credentials};

fn reply(status: u16, value: &Value) -> Response<Body> {
    http::json(status, &[], value)
}

fn error(status: u16, message: impl Into<String>) -> Response<Body> {
    reply(status, &json!({"error": message.into()}))
}

fn faults_json(state: &State) -> Value {
    serde_json::to_value(state.faults.get()).unwrap_or(Value::Null)
}

/// Answers a `/_sandbox...` request.
pub(crate) fn handle(state: &State, method: &Method, path: &str, body: &[u8]) -> Response<Body> {
    let path = path.trim_end_matches('/');
    match (method.as_str(), path) {
        ("GET", "/_sandbox") => reply(200, &info(state)),
        ("GET", "/_sandbox/faults") => reply(200, &faults_json(state)),
        ("POST" | "PUT", "/_sandbox/faults") => {
            let text = if body.iter().all(u8::is_ascii_whitespace) {
                &b"{}"[..]
            } else {
                body
            };
            match serde_json::from_slice::<Faults>(text) {
                Ok(faults) => {
                    state.faults.set(faults);
                    reply(200, &faults_json(state))
                }
                Err(e) => error(400, format!("invalid faults: {e}")),
            }
        }
        ("DELETE", "/_sandbox/faults") => {
            state.faults.clear();
            reply(200, &faults_json(state))
        }
        ("GET", "/_sandbox/requests") => reply(
            200,
            &serde_json::to_value(state.log.snapshot()).unwrap_or(Value::Null),
        ),
        ("DELETE", "/_sandbox/requests") => {
            state.log.clear();
            reply(200, &json!([]))
        }
        (_, "/_sandbox" | "/_sandbox/faults" | "/_sandbox/requests") => {
            error(405, format!("{method} is not allowed on {path}"))
        }
        _ => error(404, format!("no control endpoint at {path}")),
    }
}

/// `GET /_sandbox`: what a client needs to talk to the sandbox.
fn info(state: &State) -> Value {
    let services: Vec<Value> = Provider::ALL
        .iter()
        .copied()
        .map(|service| {
            let credentials = demo_credentials(service);
            let instances: Vec<Value> = state
                .catalog
                .instances()
                .filter(|i| i.service == service)
                .map(|i| serde_json::to_value(i.describe()).unwrap_or(Value::Null))
                .collect();
            json!({
                "service": service,
                "title": service.title(),
                "access_key_id": credentials.access_key_id,
                "secret": credentials.secret,
                "project_id": credentials.project_id,
                "instances": instances,
            })
        })
        .collect();
    json!({"endpoint": state.endpoint, "services": services})
}
