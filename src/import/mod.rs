//! Content brought in from elsewhere: a WordPress export (`kiosque import wordpress`).

pub mod wordpress;
