//! `#[stream(ids = f)]`: the streams of a field that is not an id (order
//! lines naming products) are read, folded and written like a collection's.

#![cfg(test)]

use eventcore::{
    Command, CommandError, CommandExecutor, CommandLogic, Event, Fold, RecordedEvent, StreamId,
    require,
};
use eventcore_memory::MemoryStore;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Event)]
enum Stock {
    Restocked { units: u32 },
    Reserved { units: u32 },
}

#[derive(Default)]
struct Level(u32);

impl Fold<Stock> for Level {
    fn fold(&mut self, event: &RecordedEvent<Stock>) {
        match event.payload() {
            Stock::Restocked { units } => self.0 += units,
            Stock::Reserved { units } => self.0 -= units,
        }
    }
}

#[derive(Clone, Debug)]
struct Line {
    product: StreamId,
    units: u32,
}

#[derive(Debug, PartialEq, thiserror::Error)]
#[error("{product} has only {left}")]
struct Short {
    product: String,
    left: u32,
}

/// Reserves every line's units, or none.
#[derive(Command)]
#[command(event = Stock)]
struct Reserve {
    #[stream(state = Level, ids = |line: &Line| line.product.clone())]
    lines: Vec<Line>,
}

impl CommandLogic for Reserve {
    type Error = Short;

    fn handle(&self, state: ReserveState, streams: &mut ReserveStreams<'_>) -> Result<(), Short> {
        for line in &self.lines {
            let left = state.lines.get(&line.product).map_or(0, |level| level.0);
            require!(
                left >= line.units,
                Short {
                    product: line.product.to_string(),
                    left
                }
            );
            if let Some(handle) = streams.lines.get_mut(&line.product) {
                handle.emit(Stock::Reserved { units: line.units });
            }
        }
        Ok(())
    }
}

/// Restocks one product.
#[derive(Command)]
#[command(event = Stock)]
struct Restock {
    #[stream]
    product: StreamId,
    units: u32,
}

impl CommandLogic for Restock {
    type Error = std::convert::Infallible;

    fn handle(&self, (): (), streams: &mut RestockStreams<'_>) -> Result<(), Self::Error> {
        streams.product.emit(Stock::Restocked { units: self.units });
        Ok(())
    }
}

impl eventcore::CommandState for Restock {
    type State = ();
    fn initial_state(&self) {}
    fn apply(&self, (): &mut (), _: &RecordedEvent<Stock>) {}
}

#[tokio::test]
async fn every_line_is_folded_and_reserved_or_none_is() {
    let executor = CommandExecutor::new(MemoryStore::new());
    let (lamp, desk) = (
        StreamId::try_new("product-lamp").unwrap(),
        StreamId::try_new("product-desk").unwrap(),
    );
    for (product, units) in [(&lamp, 5), (&desk, 1)] {
        executor
            .execute(Restock {
                product: product.clone(),
                units,
            })
            .await
            .unwrap();
    }
    let line = |product: &StreamId, units| Line {
        product: product.clone(),
        units,
    };
    let done = executor
        .execute(Reserve {
            lines: vec![line(&lamp, 2), line(&desk, 1)],
        })
        .await
        .unwrap();
    assert_eq!(done.events.len(), 2);
    // The desk is out: nothing of this order is reserved, lamps included.
    let refused = executor
        .execute(Reserve {
            lines: vec![line(&lamp, 1), line(&desk, 1)],
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, CommandError::Rejected(Short { left: 0, .. })),
        "{refused:?}"
    );
    let levels: Level = executor.load(&lamp).await.unwrap();
    assert_eq!(levels.0, 3);
}
