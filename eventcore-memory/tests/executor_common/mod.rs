//! A small banking domain shared by the executor tests.
#![allow(
    dead_code,
    reason = "each test file uses a different part of the shared domain"
)]

use std::future::Future;

use eventcore::store::EventStore;

use eventcore::{Command, CommandLogic, Event, Fold, RecordedEvent, StreamId, emit, require};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Event)]
pub enum BankEvent {
    Opened { owner: String },
    Deposited { amount: u64 },
    Withdrawn { amount: u64 },
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum BankError {
    #[error("insufficient funds: balance {balance}, requested {requested}")]
    InsufficientFunds { balance: u64, requested: u64 },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AccountId(StreamId);

impl AccountId {
    pub fn new(name: &str) -> Self {
        Self(StreamId::with_prefix("account", name).expect("valid id"))
    }
}

impl From<AccountId> for StreamId {
    fn from(id: AccountId) -> Self {
        id.0
    }
}

#[derive(Default, Debug)]
pub struct Account {
    pub opened: bool,
    pub balance: u64,
    pub events: usize,
}

impl Fold<BankEvent> for Account {
    fn fold(&mut self, event: &RecordedEvent<BankEvent>) {
        self.events += 1;
        match event.payload() {
            BankEvent::Opened { .. } => self.opened = true,
            BankEvent::Deposited { amount } => self.balance += amount,
            BankEvent::Withdrawn { amount } => self.balance -= amount,
        }
    }
}

#[derive(Command)]
#[command(event = BankEvent)]
pub struct Deposit {
    #[stream(state = Account)]
    pub account: AccountId,
    pub amount: u64,
}

impl CommandLogic for Deposit {
    type Error = BankError;

    fn handle(
        &self,
        _state: DepositState,
        streams: &mut DepositStreams<'_>,
    ) -> Result<(), BankError> {
        emit!(
            streams.account,
            BankEvent::Deposited {
                amount: self.amount
            }
        );
        Ok(())
    }
}

#[derive(Command)]
#[command(event = BankEvent)]
pub struct TransferMoney {
    #[stream(state = Account)]
    pub from: AccountId,
    #[stream(state = Account)]
    pub to: AccountId,
    pub amount: u64,
}

impl CommandLogic for TransferMoney {
    type Error = BankError;

    fn handle(
        &self,
        state: TransferMoneyState,
        streams: &mut TransferMoneyStreams<'_>,
    ) -> Result<(), BankError> {
        require!(
            state.from.balance >= self.amount,
            BankError::InsufficientFunds {
                balance: state.from.balance,
                requested: self.amount
            }
        );
        streams.from.emit(BankEvent::Withdrawn {
            amount: self.amount,
        });
        streams.to.emit(BankEvent::Deposited {
            amount: self.amount,
        });
        Ok(())
    }
}

/// A store that wraps [`MemoryStore`], records every append batch, and can
/// simulate a concurrent writer or an outage.
#[derive(Clone, Default)]
pub struct ProbeStore {
    pub inner: eventcore_memory::MemoryStore,
    state: std::sync::Arc<parking_lot::Mutex<Probe>>,
}

#[derive(Default)]
struct Probe {
    batches: Vec<eventcore::store::AppendBatch>,
    /// Before each of the next `n` appends, another writer appends to this stream.
    interfere: Option<(StreamId, u32)>,
    /// Every append fails as unavailable.
    unavailable: bool,
}

impl ProbeStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Before each of the next `times` appends, a concurrent writer appends
    /// one event to `stream`.
    pub fn interfere_on(&self, stream: impl Into<StreamId>, times: u32) {
        self.state.lock().interfere = Some((stream.into(), times));
    }

    pub fn fail_appends(&self) {
        self.state.lock().unavailable = true;
    }

    pub fn batches(&self) -> Vec<eventcore::store::AppendBatch> {
        self.state.lock().batches.clone()
    }
}

impl EventStore for ProbeStore {
    fn read_streams(
        &self,
        streams: &[StreamId],
    ) -> impl Future<Output = Result<eventcore::store::StreamsRead, eventcore::StoreError>> + Send
    {
        self.inner.read_streams(streams)
    }

    async fn append(
        &self,
        batch: eventcore::store::AppendBatch,
    ) -> Result<eventcore::store::AppendResult, eventcore::StoreError> {
        use eventcore::store::{AppendBatch, ExpectedVersion, NewEvent};
        let (interfere, unavailable) = {
            let mut probe = self.state.lock();
            probe.batches.push(batch.clone());
            let interfere = match &mut probe.interfere {
                Some((stream, times)) if *times > 0 => {
                    *times -= 1;
                    Some(stream.clone())
                }
                _ => None,
            };
            (interfere, probe.unavailable)
        };
        if unavailable {
            return Err(eventcore::StoreError::Unavailable {
                message: "probe outage".into(),
                source: None,
            });
        }
        if let Some(stream) = interfere {
            let event = eventcore::EventSerializer::encode(
                &eventcore::JsonSerializer,
                &BankEvent::Deposited { amount: 0 },
            )
            .expect("encodes");
            self.inner
                .append(AppendBatch::single(
                    stream,
                    ExpectedVersion::Any,
                    vec![NewEvent::new(event, eventcore::EventMetadata::new())],
                ))
                .await?;
        }
        self.inner.append(batch).await
    }

    fn stream_version(
        &self,
        stream: &StreamId,
    ) -> impl Future<Output = Result<eventcore::StreamVersion, eventcore::StoreError>> + Send {
        self.inner.stream_version(stream)
    }

    fn read_all(
        &self,
        after: eventcore::GlobalPosition,
        filter: &eventcore::store::EventFilter,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<eventcore::store::StoredEvent>, eventcore::StoreError>> + Send
    {
        self.inner.read_all(after, filter, limit)
    }

    fn head_position(
        &self,
    ) -> impl Future<Output = Result<eventcore::GlobalPosition, eventcore::StoreError>> + Send {
        self.inner.head_position()
    }

    fn subscribe(&self) -> eventcore::store::EventNotifications {
        self.inner.subscribe()
    }
}
