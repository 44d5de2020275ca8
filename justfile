# EventCore routine commands. `just --list` shows them all.
# PostgreSQL tests read DATABASE_URL (default: postgres://postgres@127.0.0.1:5432/postgres).

# List the recipes.
default:
    @just --list

# Exactly what CI runs (.ci/run): fmt, cargo-deny, import loops, clippy, tests, docs.
ci:
    bash .ci/run

# Run every test in the workspace (memory and PostgreSQL).
test:
    cargo test --workspace

# Run only the PostgreSQL adapter's tests.
test-pg:
    cargo test -p eventcore-postgres

# Run the trybuild UI tests and expansion snapshots.
ui:
    cargo test -p eventcore-ui-tests
    cargo test -p eventcore-macros

# Regenerate the ui-tests .stderr files and the expansion snapshots
# (eventcore-macros/tests/snapshots); review the diff.
bless:
    TRYBUILD=overwrite cargo test -p eventcore-ui-tests
    EVENTCORE_BLESS=1 cargo test -p eventcore-macros

# Format the workspace.
fmt:
    cargo fmt --all

# Lint everything as CI does.
clippy:
    cargo clippy --workspace --all-targets --all-features -- -D warnings

# Build the docs as CI does.
doc:
    RUSTDOCFLAGS=-Dwarnings cargo doc --workspace --no-deps

# Run the criterion benches.
bench:
    cargo bench -p eventcore-benches

# Run the workload runner (add `--json` for machine-readable lines).
workload *ARGS:
    cargo run --release -p eventcore-benches --bin workload -- {{ARGS}}

# Run the README demo (banking, on the SQLite file eventcore-demo.db; --memory or DATABASE_URL for the others).
demo:
    cargo run -p eventcore-examples --bin banking

# Run the order-fulfilment saga (in memory; set DATABASE_URL to use PostgreSQL).
saga:
    cargo run -p eventcore-examples --bin saga
