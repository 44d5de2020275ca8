//! The shop day (`--bin shop`) runs to the end, and its inventory, read
//! from the projection, agrees with every product's stream and conserves
//! stock.

#![cfg(test)]

use std::process::Command;

#[test]
fn the_shop_day_prints_a_conserved_inventory_that_agrees_with_the_streams() {
    let out = Command::new(env!("CARGO_BIN_EXE_shop")).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let rows: Vec<Vec<u64>> = stdout
        .lines()
        .filter(|line| line.ends_with("agrees"))
        .map(|line| {
            line.split_whitespace()
                .skip(1)
                .take(4)
                .map(|cell| cell.parse().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 4, "{stdout}");
    for row in &rows {
        let [restocked, available, reserved, shipped] = row[..] else {
            panic!("{row:?}");
        };
        assert_eq!(restocked, available + reserved + shipped, "{stdout}");
    }
    assert!(stdout.contains("orders placed"), "{stdout}");
    assert!(stdout.contains("close of day"), "{stdout}");
}
