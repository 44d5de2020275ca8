//! One call of the group procedure (`append_group.sql`, migration 11):
//! several batches, one transaction, an outcome per batch.

use eventcore::{
    StoreError,
    store::{AppendBatch, AppendResult},
};
use sqlx::{PgConnection, Row};

use crate::store::append::args::AppendArgs;
use crate::store::append::failure::conflict_error;
use crate::store::append::statement::build_result;
use crate::store::shared::Shared;

/// Each batch's outcome, in the order of the batches.
pub(super) type Outcomes = Vec<Result<AppendResult, StoreError>>;

/// Appends `batches` in one transaction on `conn`, each checked against the
/// versions the batches before it left.
///
/// `Err` means the call itself failed and nothing committed if the server
/// reported the error (the caller may append the batches one by one); a
/// batch that breaks a rule before anything is sent gets its own error in
/// the outcomes.
pub(super) async fn commit_group(
    shared: &Shared,
    conn: &mut PgConnection,
    batches: &[AppendBatch],
) -> Result<Outcomes, sqlx::Error> {
    let participants = batches.iter().map(|b| b.writes().len()).sum();
    let events = batches.iter().map(AppendBatch::event_count).sum();
    let mut args = AppendArgs::with_capacity(participants, events);
    let mut batch_of = Vec::with_capacity(participants);
    let mut outcomes: Outcomes = Vec::with_capacity(batches.len());
    // Where each sent batch's participants start, by batch.
    let mut first_part = Vec::with_capacity(batches.len());
    let mut sent: usize = 0;
    for batch in batches {
        let start = args.participants();
        first_part.push(start);
        match args.push(batch) {
            Ok(()) => {
                sent += 1;
                batch_of.resize(args.participants(), i32::try_from(sent).unwrap_or(i32::MAX));
                // Replaced by the procedure's answer below.
                outcomes.push(Ok(AppendResult::default()));
            }
            Err(refused) => outcomes.push(Err(refused)),
        }
    }
    if sent == 0 {
        return Ok(outcomes);
    }
    let row = args
        .bind_group(&shared.sql.append_group, &batch_of)
        .fetch_one(conn)
        .await?;
    read_outcomes(shared, &row, batches, &first_part, batch_of.len(), outcomes)
}

/// Each sent batch's outcome from the procedure's row.
fn read_outcomes(
    shared: &Shared,
    row: &sqlx::postgres::PgRow,
    batches: &[AppendBatch],
    first_part: &[usize],
    participants: usize,
    mut outcomes: Outcomes,
) -> Result<Outcomes, sqlx::Error> {
    let conflicts: Vec<Option<i32>> = row.try_get("conflict_index")?;
    let actuals: Vec<Option<i64>> = row.try_get("actual_version")?;
    let firsts: Vec<Option<i64>> = row.try_get("first_position")?;
    let versions: Vec<Option<i64>> = row.try_get("new_versions")?;
    let expected = outcomes.iter().filter(|o| o.is_ok()).count();
    if [conflicts.len(), actuals.len(), firsts.len()] != [expected; 3]
        || versions.len() != participants
    {
        let detail = format!(
            "the group append answered for {} batches and {} participants; {expected} batches \
             and {participants} participants were sent (schema {})",
            conflicts.len(),
            versions.len(),
            shared.schema
        );
        for outcome in outcomes.iter_mut().filter(|o| o.is_ok()) {
            *outcome = Err(StoreError::Corrupt {
                detail: detail.clone(),
            });
        }
        return Ok(outcomes);
    }
    let mut sent = 0;
    for ((batch, outcome), &start) in batches.iter().zip(&mut outcomes).zip(first_part) {
        if outcome.is_err() {
            continue;
        }
        let answer = (
            conflicts.get(sent).copied().flatten(),
            actuals.get(sent).copied().flatten(),
            firsts.get(sent).copied().flatten(),
        );
        sent += 1;
        *outcome = match answer {
            (Some(index), actual, _) => Err(conflict_error(batch, index, actual.unwrap_or(0))),
            (None, _, first) => versions
                .get(start..start + batch.writes().len())
                .and_then(|slice| slice.iter().copied().collect::<Option<Vec<i64>>>())
                .map_or_else(
                    || {
                        Err(StoreError::Corrupt {
                            detail: format!(
                                "the group append returned no new versions for batch {sent} \
                                 (participants {start}..{})",
                                start + batch.writes().len()
                            ),
                        })
                    },
                    |new_versions| build_result(batch, first, &new_versions),
                ),
        };
    }
    Ok(outcomes)
}
