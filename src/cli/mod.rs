//! The commands beside `serve` that measure the library from outside: `eval` (related and search
//! quality on a labelled corpus) and `bench` (timings on synthetic data). They use the library as
//! any client would, through its public modules; nothing in the library depends on them.

pub mod bench;
pub mod eval;
