//! The commands beside `serve` that use the library from outside: `eval` (related and search
//! quality on a labelled corpus), `bench` (timings on synthetic data), `seed --synthetic` (the synthetic load's terminal side), `related` (storing related lists) and the terminal side of
//! `import` (progress and summary). They use the library as
//! any client would, through its public modules; nothing in the library depends on them.

pub mod bench;
pub mod eval;
pub mod import;
pub mod related;
pub mod seed;
