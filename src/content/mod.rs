//! The content layer: the write commands (create, update, publish, delete) as plain functions over a
//! connection or an open transaction, below HTTP. Handlers, the demo seed and (soon) the importer
//! and the webhook outbox call the same functions; nothing here knows about requests or responses.

pub mod articles;
pub mod authors;
pub mod input;
pub mod named;
pub mod rubriques;
pub mod seed;
pub mod synthetic;
pub mod tags;
pub mod users;
