//! How a failed `then_*` check shows the events: listed, or expected and
//! actual side by side.

use std::fmt::{Debug, Write as _};

use eventcore::StreamId;

/// Lists events one per line, numbered.
pub(super) fn list<E: Debug>(events: &[(StreamId, E)]) -> String {
    if events.is_empty() {
        return "  (no events)".to_owned();
    }
    let mut out = String::new();
    for (i, (stream, event)) in events.iter().enumerate() {
        let _ = writeln!(out, "  {i}: {stream}: {event:?}");
    }
    out
}

/// Renders expected and actual events in two columns, marking differences.
pub(super) fn side_by_side<E: Debug + PartialEq>(
    expected: &[(StreamId, E)],
    actual: &[(StreamId, E)],
) -> String {
    let render = |e: Option<&(StreamId, E)>| {
        e.map_or_else(|| "(none)".to_owned(), |(s, e)| format!("{s}: {e:?}"))
    };
    let rows: Vec<(bool, String, String)> = (0..expected.len().max(actual.len()))
        .map(|i| {
            let (want, got) = (expected.get(i), actual.get(i));
            (want == got, render(want), render(got))
        })
        .collect();
    let width = rows
        .iter()
        .map(|r| r.1.chars().count())
        .max()
        .unwrap_or(0)
        .max("expected".len());
    let mut out = format!(
        "the command emitted different events ({} expected, {} actual):\n     {:<width$} | actual\n",
        expected.len(),
        actual.len(),
        "expected"
    );
    for (i, (same, want, got)) in rows.iter().enumerate() {
        let marker = if *same { ' ' } else { '!' };
        let _ = writeln!(out, "  {marker}{i:>2} {want:<width$} | {got}");
    }
    if same_events_in_another_order(expected, actual) {
        out.push_str(
            "  the same events in another order: events are compared in the order \
             `handle` emitted them across streams, not grouped by stream\n",
        );
    }
    out
}

/// Whether `actual` holds exactly the events of `expected`, each as often.
fn same_events_in_another_order<T: PartialEq>(expected: &[T], actual: &[T]) -> bool {
    if expected.len() != actual.len() {
        return false;
    }
    let mut unmatched: Vec<&T> = actual.iter().collect();
    expected.iter().all(|want| {
        unmatched
            .iter()
            .position(|got| *got == want)
            .map(|at| unmatched.swap_remove(at))
            .is_some()
    })
}
