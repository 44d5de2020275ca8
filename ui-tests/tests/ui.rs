//! Every misuse of the macros fails to compile with a good message
//! (`tests/ui`), and every documented use compiles (`tests/pass`).
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite` (`just bless`).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/pass/*.rs");
}

/// What no diagnostic may show a user: the crate's private paths, the
/// attribute parser's name, or the body of an internal `macro_rules!`.
const NEVER_IN_DIAGNOSTICS: [&str; 3] = ["__private", "darling", "macro_rules!"];

/// The cases whose message still carries rustc's "see issue #48214" note
/// (from the derive's assertion bounds on concrete types). No other case may
/// gain one; this list may only shrink.
const STILL_NOTING_48214: [&str; 5] = [
    "collection_of_non_ids.stderr",
    "not_a_stream_id.stderr",
    "state_folds_other_event_type.stderr",
    "state_not_fold.stderr",
    "text_and_boxes_are_not_stream_ids.stderr",
];

#[test]
fn diagnostics_show_no_internals() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.map(|e| e.path()).unwrap_or_default();
        if path.extension().is_none_or(|ext| ext != "stderr") {
            continue;
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for internal in NEVER_IN_DIAGNOSTICS {
            assert!(
                !text.contains(internal),
                "{name} shows `{internal}`:\n{text}"
            );
        }
        assert!(
            !text.contains("#48214") || STILL_NOTING_48214.contains(&name.as_str()),
            "{name} gained rustc's #48214 note:\n{text}"
        );
        checked += 1;
    }
    assert!(
        checked >= 30,
        "only {checked} .stderr files found in {}",
        dir.display()
    );
}
