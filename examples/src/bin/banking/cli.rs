//! The demo's command line: where to keep the events.

use std::path::PathBuf;

/// The SQLite file used when the command line names none.
pub const DEFAULT_FILE: &str = "eventcore-demo.db";

pub const USAGE: &str = "usage: banking [--file PATH | --memory]

  --file PATH   keep the events in the SQLite file PATH (default: eventcore-demo.db);
                a second run continues from the first's balances
  --memory      use the in-memory store

Without --file or --memory, a non-empty DATABASE_URL runs the demo on PostgreSQL.";

/// Where the demo keeps its events.
#[derive(Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite(PathBuf),
    Memory,
    Postgres(String),
}

/// Reads the command line (without the program name) and `DATABASE_URL`;
/// `Ok(None)` asks for the usage.
pub fn backend(args: &[String], database_url: Option<String>) -> Result<Option<Backend>, String> {
    let mut chosen = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let backend = match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--memory" => Backend::Memory,
            "--file" => Backend::Sqlite(args.next().ok_or("--file needs a path")?.into()),
            other => return Err(format!("unknown argument {other:?}")),
        };
        if chosen.replace(backend).is_some() {
            return Err("give one of --file and --memory, once".to_owned());
        }
    }
    Ok(Some(chosen.unwrap_or_else(|| match database_url {
        Some(url) if !url.is_empty() => Backend::Postgres(url),
        _ => Backend::Sqlite(DEFAULT_FILE.into()),
    })))
}

/// Hides the password in a connection URL.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], url: Option<&str>) -> Result<Option<Backend>, String> {
        let args: Vec<String> = args.iter().map(|&a| a.to_owned()).collect();
        backend(&args, url.map(str::to_owned))
    }

    #[test]
    fn the_default_is_the_sqlite_file_unless_database_url_is_set() {
        let file = Backend::Sqlite(DEFAULT_FILE.into());
        assert_eq!(parse(&[], None), Ok(Some(file)));
        let file = Backend::Sqlite(DEFAULT_FILE.into());
        assert_eq!(parse(&[], Some("")), Ok(Some(file)));
        let pg = Backend::Postgres("postgres://db".to_owned());
        assert_eq!(parse(&[], Some("postgres://db")), Ok(Some(pg)));
    }

    #[test]
    fn flags_win_over_database_url() {
        let url = Some("postgres://db");
        assert_eq!(parse(&["--memory"], url), Ok(Some(Backend::Memory)));
        let file = Backend::Sqlite("x.db".into());
        assert_eq!(parse(&["--file", "x.db"], url), Ok(Some(file)));
    }

    #[test]
    fn bad_command_lines_are_refused() {
        assert_eq!(parse(&["--help"], None), Ok(None));
        assert!(parse(&["--file"], None).is_err());
        assert!(parse(&["--memory", "--file", "x.db"], None).is_err());
        assert!(parse(&["--frobnicate"], None).is_err());
        assert!(parse(&["extra"], None).is_err());
    }

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact("postgres://user:secret@host/db"),
            "postgres://user:***@host/db"
        );
        assert_eq!(redact("postgres://host/db"), "postgres://host/db");
    }
}
