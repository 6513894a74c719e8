//! `API_MATRIX.md`: operations and events by major, with the release each
//! first appeared in within that major.

use std::collections::BTreeMap;

use ari_spec::{Api, ItemKey};

use crate::templates::{render, ApiMatrix, MatrixColumn, MatrixRow};
use crate::{CodegenError, Since};

/// One major's column.
pub struct MatrixInput<'a> {
    /// `20`.
    pub major: u32,
    /// The release the module is generated from (`20.20.1`).
    pub release: String,
    /// Its merged spec.
    pub api: &'a Api,
    /// Its history.
    pub since: &'a dyn Since,
}

/// The matrix of `inputs` (in the order given, oldest major first).
pub fn api_matrix(inputs: &[MatrixInput<'_>]) -> Result<String, CodegenError> {
    let columns: Vec<MatrixColumn> = inputs
        .iter()
        .map(|i| MatrixColumn {
            major: i.major,
            release: i.release.clone(),
        })
        .collect();
    // (resource, nickname) -> (method and path, cell per column)
    let mut operations: BTreeMap<(String, String), (String, Vec<String>)> = BTreeMap::new();
    let mut events: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let absent = || vec!["—".to_string(); inputs.len()];
    for (column, input) in inputs.iter().enumerate() {
        for op in input.api.rest_operations() {
            let resource = op.resource.name.clone();
            let nickname = op.operation.nickname.clone();
            let key = ItemKey::operation(&resource, &nickname);
            let cell = cell(input.since, &key);
            let row = operations
                .entry((resource, nickname))
                .or_insert_with(|| (String::new(), absent()));
            // The newest major's method and path win.
            row.0 = format!("{} {}", op.operation.http_method, op.api.path);
            row.1[column] = cell;
        }
        for event in input.api.events() {
            let key = ItemKey::Event {
                name: event.id.clone(),
            };
            let cell = cell(input.since, &key);
            events.entry(event.id.clone()).or_insert_with(absent)[column] = cell;
        }
    }
    let operations: Vec<MatrixRow> = operations
        .into_iter()
        .map(|((resource, nickname), (detail, cells))| MatrixRow {
            name: format!("{resource}.{nickname}"),
            detail,
            cells,
        })
        .collect();
    let events: Vec<MatrixRow> = events
        .into_iter()
        .map(|(name, cells)| MatrixRow {
            name,
            detail: String::new(),
            cells,
        })
        .collect();
    let releases = inputs
        .iter()
        .map(|i| i.release.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    render(&ApiMatrix {
        releases: &releases,
        columns: &columns,
        operations: &operations,
        events: &events,
    })
}

/// The release an item appeared in, or `✓` where the history does not say.
fn cell(since: &dyn Since, key: &ItemKey) -> String {
    since.first_release(key).unwrap_or_else(|| "✓".to_string())
}
