//! Every misuse of the macros fails to compile with a good message
//! (`tests/ui`), and every documented use compiles (`tests/pass`).
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite` (`just bless`).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/pass/*.rs");
}
