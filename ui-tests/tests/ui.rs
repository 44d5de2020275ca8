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
/// attribute parser's name, the body of an internal `macro_rules!`, or
/// rustc's pointer to its "trivially false bounds" issue, which the derive's
/// assertions once produced instead of the trait's own message.
const NEVER_IN_DIAGNOSTICS: [&str; 4] = ["__private", "darling", "macro_rules!", "#48214"];

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
        checked += 1;
    }
    assert!(
        checked >= 30,
        "only {checked} .stderr files found in {}",
        dir.display()
    );
}
