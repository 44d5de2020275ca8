//! The adapter conformance suite.
//!
//! Every [`EventStore`] must behave the same way. This module holds one async
//! scenario function per behaviour; each takes a fresh store and returns
//! [`ScenarioResult`]. The [`conformance_tests!`](crate::conformance_tests)
//! macro turns every scenario into its own `#[tokio::test]`, so a backend
//! (ours or a third party's) runs the whole suite with one line:
//!
//! ```ignore
//! // In tests/conformance.rs of an adapter crate, with
//! // `eventcore = { version = "..", features = ["conformance"] }` as a dev-dependency:
//! eventcore::conformance_tests!(|| async { Ok::<_, std::convert::Infallible>(MyStore::new()) });
//! ```
//!
//! The factory is called once per test and must return a store that is empty
//! and isolated from every other test (for a database: a fresh schema).
//!
//! The store type must implement [`EventStore`], [`CheckpointStore`] and
//! [`LeaseStore`], and be `Clone + 'static` (the concurrency scenarios share
//! it between tasks; wrap it in an `Arc` if it is not `Clone`).

mod cancellation;
mod checkpoints;
mod concurrency;
mod conflicts;
pub mod faults;
mod idempotency;
mod idempotent_execution;
mod interleaving;
mod notifications;
mod ordering;
mod payload_rules;
mod process;
mod projections;
mod read_write;
mod schedule;
mod scheduler;
mod schema_versions;
mod snapshot_execution;
mod snapshots;
mod support;

pub use cancellation::*;
pub use checkpoints::*;
pub use concurrency::*;
pub use conflicts::*;
pub use idempotency::*;
pub use idempotent_execution::*;
pub use interleaving::*;
pub use notifications::*;
pub use ordering::*;
pub use payload_rules::*;
pub use process::*;
pub use projections::*;
pub use read_write::*;
pub use schedule::*;
pub use scheduler::*;
pub use schema_versions::*;
pub use snapshot_execution::*;
pub use snapshots::*;
pub use support::{ConformanceFailure, ConformanceStore, ScenarioResult};

#[cfg(doc)]
use crate::store::{CheckpointStore, EventStore, LeaseStore};

/// Expands to the list of scenario names, in the form the suite macro needs.
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_scenarios {
    ($callback:path { $($args:tt)* }) => {
        $callback! { $($args)*;
            // read_write
            append_and_read_round_trip,
            missing_stream_reads_empty_at_version_zero,
            empty_store_has_start_head_and_no_events,
            read_streams_collapses_duplicate_ids,
            read_streams_returns_streams_in_request_order,
            read_streams_after_returns_only_newer_events,
            stream_version_and_exists_track_appends,
            metadata_round_trips,
            payload_round_trips_nested_unicode_json,
            stream_ids_round_trip_unicode,
            empty_batch_is_a_no_op,
            payloads_every_store_cannot_keep_are_refused_alike,
            metadata_every_store_cannot_keep_is_refused_alike,
            // schema versions
            schema_versions_and_payload_forms_round_trip,
            schema_versions_every_store_cannot_keep_are_refused_alike,
            // conflicts
            append_to_missing_stream_expecting_events_conflicts,
            creating_an_existing_stream_conflicts,
            stale_expected_version_conflicts,
            conflict_reports_stream_expected_and_actual,
            read_only_participant_that_moved_rejects_batch,
            read_only_participant_at_expected_version_passes,
            conflicting_multi_stream_append_writes_nothing,
            expected_any_appends_without_check,
            // ordering
            versions_are_dense_from_one,
            multi_stream_append_versions_each_stream,
            append_result_lists_events_in_batch_order,
            interleaved_batch_gets_positions_in_its_order,
            global_positions_strictly_increase,
            global_order_agrees_with_stream_order,
            read_all_after_skips_earlier_events,
            read_all_respects_limit,
            read_all_with_zero_limit_returns_nothing,
            read_all_filters_by_stream_prefix,
            read_all_filters_by_event_type,
            read_all_combines_prefix_and_type_filters,
            read_all_pages_through_everything_exactly_once,
            head_position_tracks_newest_event,
            an_append_is_readable_as_soon_as_it_returns,
            // notifications
            notification_wakes_a_waiter,
            failed_append_sends_no_notification,
            // checkpoints and leases
            missing_checkpoint_loads_as_none,
            checkpoint_save_and_load,
            checkpoint_overwrite_keeps_latest,
            checkpoint_save_from_a_stale_position_is_refused,
            lease_is_exclusive,
            released_lease_can_be_taken_by_another_holder,
            renewal_fails_after_takeover,
            fenced_checkpoint_is_refused_after_lease_is_lost,
            expired_lease_is_taken_over,
            // concurrency
            concurrent_writers_keep_streams_dense,
            concurrent_creators_of_one_stream_have_one_winner,
            a_dropped_append_writes_all_of_its_batch_or_none,
            // idempotency keys
            a_claimed_key_is_recorded_with_its_batch,
            a_batch_claiming_a_recorded_key_writes_nothing,
            a_conflicting_batch_records_no_key,
            a_claim_without_events_is_recorded,
            an_expired_key_is_forgotten_and_purged,
            a_keyed_read_returns_the_record_or_the_streams,
            a_repeated_key_replays_the_first_execution,
            sixteen_concurrent_executions_with_one_key_write_once,
            a_key_reused_by_another_request_is_refused,
            only_successful_executions_record_their_key,
            // process managers
            a_process_answers_each_event_once_however_often_delivered,
            an_interrupted_reaction_is_retried_without_writing_twice,
            a_rejected_command_is_an_outcome_the_process_answers,
            // scheduled messages
            scheduled_messages_fall_due_in_order,
            a_message_is_scheduled_and_settled_once,
            a_due_message_fires_once_even_when_interrupted,
            a_scheduler_taking_over_fires_each_message_once,
            a_failing_message_does_not_hold_back_the_others,
            a_reaction_schedules_its_timer_once,
            // snapshots
            a_saved_snapshot_loads_as_saved,
            a_snapshot_is_replaced_and_never_turned_back,
            snapshots_are_dropped_by_state_type,
            snapshot_and_tail_fold_to_the_state_from_scratch,
            untrustworthy_snapshots_are_passed_over,
            snapshots_saved_while_commands_run_never_change_a_decision,
            // projections
            projection_catches_up_then_follows_live,
            projection_pause_and_resume,
            projection_rebuild_yields_same_read_model,
            projection_shutdown_saves_checkpoint,
            projection_crash_mid_batch_is_at_least_once,
            two_runners_share_one_lease,
            failing_event_stops_runner_under_stop_policy,
            failing_event_in_a_batch_stops_the_runner_just_before_it,
            failing_event_is_recorded_under_skip_policy,
            failing_event_is_retried_under_retry_policy,
            projection_lag_is_reported,
            read_all_lenient_agrees_with_read_all,
            undecodable_row_is_skipped_under_skip_policy,
            undecodable_row_stops_runner_under_stop_policy,
            listed_positions_are_skipped_and_recorded,
            control_records_follow_the_requests,
            a_runner_obeys_requests_kept_in_the_store,
        }
    };
}

/// Generates one `#[tokio::test]` per conformance scenario.
///
/// `$factory` is an expression callable with no arguments that returns a
/// future of `Result<S, E>`, where `S` is the store under test and `E` any
/// `std::error::Error + Send + Sync + 'static`. It is called once per test.
///
/// ```ignore
/// eventcore::conformance_tests!(|| async {
///     Ok::<_, std::convert::Infallible>(eventcore_memory::MemoryStore::new())
/// });
/// ```
#[macro_export]
macro_rules! conformance_tests {
    ($factory:expr $(,)?) => {
        $crate::__conformance_scenarios!($crate::__conformance_test_fns { $factory });
    };
}

/// Emits the test functions for [`conformance_tests!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_test_fns {
    ($factory:expr; $($name:ident),* $(,)?) => {
        $(
            #[$crate::__private::tokio::test(
                flavor = "multi_thread",
                worker_threads = 2,
                crate = "::eventcore::__private::tokio"
            )]
            async fn $name() -> $crate::conformance::ScenarioResult {
                let store = ($factory)().await?;
                $crate::conformance::$name(store).await
            }
        )*
    };
}

macro_rules! __names_as_list {
    (; $($name:ident),* $(,)?) => {
        /// The names of every scenario, in suite order.
        pub const SCENARIOS: &[&str] = &[$(stringify!($name)),*];
    };
}
__conformance_scenarios!(__names_as_list {});

#[cfg(test)]
mod tests {
    #[test]
    fn suite_has_at_least_thirty_scenarios() {
        assert!(
            super::SCENARIOS.len() >= 30,
            "only {} scenarios",
            super::SCENARIOS.len()
        );
    }
}
