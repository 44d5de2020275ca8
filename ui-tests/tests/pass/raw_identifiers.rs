// Raw identifiers name events and commands the way serde does: `r#type` is
// the event type "type" and the command `r#Move` is "Move".
use eventcore::{Command, Event, StreamId};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize, Event)]
#[allow(non_camel_case_types)]
enum Keyword {
    r#type { r#ref: u32 },
    r#match,
}

#[derive(Command)]
#[command(event = Keyword)]
struct r#Move {
    #[stream]
    r#box: StreamId,
}

fn main() {
    assert_eq!(<Keyword as Event>::EVENT_TYPES, ["type", "match"]);
    assert_eq!(Keyword::r#type { r#ref: 1 }.event_type(), "type");
    assert_eq!(serde_json::to_value(Keyword::r#match).unwrap(), serde_json::json!("match"));
    assert_eq!(<r#Move as Command>::NAME, "Move");
}
